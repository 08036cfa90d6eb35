import { EngineError, RuntimeError } from '#runtime';
import { BackupError, classifyResticFailure, fromRuntimeError, isTransientBackupError, isUnreachableRetryLine } from './backup-errors.js';

const site = 'offsite (REST server http://rest:8000)';
const classify = (exitCode: number, stderr: string) => classifyResticFailure({ operation: 'backup of prosody', site, exitCode, stderr });

// stderr as restic 0.18.0 and ssh printed it in this project's images
describe('classifyResticFailure', () => {
  it.each([
    [12, '{"message_type":"exit_error","code":12,"message":"Fatal: wrong password or no key found"}', 'backup.wrong_password', false],
    [11, 'Fatal: unable to create lock in backend: repository is already locked by PID 7 on 3f2a by root (UID 0, GID 0)', 'backup.repository_locked', true],
    [10, 'Fatal: repository does not exist: unable to open config file', 'backup.repository_missing', false],
    [65, 'allmende-restic: required input is missing or empty: /backup/wp/db/dump.sql', 'backup.empty_input', false],
    [1, 'subprocess ssh: Host key verification failed.\nFatal: unable to open repository at sftp://a@h:22//srv/t1: unable to start the sftp session, error: error receiving version packet from server: server unexpectedly closed connection: unexpected EOF', 'backup.site_auth_failed', false],
    [1, 'subprocess ssh: allmende@sshd: Permission denied (publickey).\nFatal: unable to open repository', 'backup.site_auth_failed', false],
    [1, 'Fatal: unable to open config file: unexpected HTTP response (401): 401 Unauthorized', 'backup.site_auth_failed', false],
    [1, 'subprocess ssh: ssh: connect to host sshd port 2222: Connection refused\nFatal: unable to open repository at sftp://a@sshd:2222//x: unable to start the sftp session, error: error receiving version packet from server: read |0: file already closed', 'backup.site_unreachable', true],
    [1, 'Fatal: unable to open config file: Head "http://rest:8000/t1/config": dial tcp: lookup rest on 127.0.0.11:53: no such host', 'backup.site_unreachable', true],
    [1, 'Save(<data/ab12>) failed: write /repository/data/ab/ab12: no space left on device', 'backup.site_full', true],
    [1, '{"message_type":"exit_error","code":1,"message":"Fatal: repository contains errors"}', 'backup.repository_corrupt', false],
    [1, '{"message_type":"exit_error","code":1,"message":"path backup/prosody/nope: not found"}', 'backup.snapshot_not_found', false],
    [1, 'Fatal: failed to find snapshot: no matching ID found for prefix "0123456789abcdef"', 'backup.snapshot_not_found', false],
    [1, 'Remove(<snapshot/f53d10cdde>) failed: unexpected HTTP response (403): 403 Forbidden', 'backup.append_only', false],
    [2, 'something nobody expected', 'backup.failed', false],
  ])('exit %i: %s -> %s', (exitCode, stderr, code, transient) => {
    const error = classify(exitCode, stderr);
    expect(error).toBeInstanceOf(BackupError);
    expect(error.code).toBe(code);
    expect(error.transient).toBe(transient);
    expect(isTransientBackupError(error)).toBe(transient);
    expect(error.message).toContain(`backup of prosody on site ${site} failed`);
  });

  it('says what failed in restic\'s words (the Fatal line), and keeps the detail', () => {
    const error = classify(1, 'Load(<key/1>) failed\nFatal: unable to open config file: unexpected HTTP response (401): 401 Unauthorized\n');
    expect(error.message).toMatch(/refused the login.*: Fatal: unable to open config file/);
    expect(error.detail).toContain('Load(<key/1>) failed');
  });
});

describe('isUnreachableRetryLine', () => {
  it('matches restic retrying to open the repository of a site that does not answer', () => {
    expect(isUnreachableRetryLine('Stat(<config/>) returned error, retrying after 1.028516117s: Head "http://:***@nothing:8000/t1/config": dial tcp: lookup nothing on 127.0.0.11:53: no such host')).toBe(true);
    expect(isUnreachableRetryLine('List(lock) returned error, retrying after 2s: Get "http://rest:8000/t1/locks/": dial tcp 10.0.0.2:8000: connect: connection refused')).toBe(true);
  });

  it('does not match retries of data uploads during a backup', () => {
    expect(isUnreachableRetryLine('Save(<data/ab12>) returned error, retrying after 1s: dial tcp: connection refused')).toBe(false);
    expect(isUnreachableRetryLine('Stat(<config/>) returned error, retrying after 1s: 500 Internal Server Error')).toBe(false);
  });
});

describe('fromRuntimeError', () => {
  const context = { operation: 'backup of prosody', site: 'local (local directory /srv/b)', local: { path: '/srv/b', purpose: 'use' as const } };

  it('maps task failures to backup codes', () => {
    expect((fromRuntimeError(new RuntimeError('runtime.task_timeout', 'killed'), context) as BackupError).code).toBe('backup.timeout');
    expect((fromRuntimeError(new RuntimeError('runtime.image_missing', 'no image'), context) as BackupError).code).toBe('backup.image_missing');
    expect((fromRuntimeError(new RuntimeError('runtime.not_owned', 'Volume "x" is not labelled'), context) as BackupError).code).toBe('backup.volume_refused');
  });

  it('a missing tenant folder on a local site is a missing repository; a missing site directory is an unreachable site', () => {
    const bind = new EngineError('create backup-task', { statusCode: 400, json: { message: 'invalid mount config for type "bind": bind source path does not exist: /srv/b/t1' } });
    expect((fromRuntimeError(bind, context) as BackupError).code).toBe('backup.repository_missing');
    const init = fromRuntimeError(bind, { ...context, local: { path: '/srv/b', purpose: 'init' } }) as BackupError;
    expect(init.code).toBe('backup.site_unreachable');
    expect(init.message).toContain('/srv/b does not exist on the Docker host');
  });

  it('an unreachable engine is transient; other errors pass through', () => {
    const down = new EngineError('create backup-task', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect((fromRuntimeError(down, context) as BackupError).code).toBe('backup.engine_unavailable');
    const other = new Error('bug');
    expect(fromRuntimeError(other, context)).toBe(other);
  });
});
