import { ContainerRuntime, RuntimeError, type TaskRequest, type TaskResult } from '#runtime';
import { parseBackupSite } from './backup-site.js';
import { BackupError } from './backup-errors.js';
import { ResticBackupEngine } from './restic-backup-engine.js';
import { readSecretBundle } from './secret-bundle.js';

// The adapter's logic around the runtime port, with a fake runtime. That restic really does
// all this is proven by test/e2e/backup-engine.e2e-spec.ts against real containers.

type Script = (request: TaskRequest) => Promise<Partial<TaskResult>> | Partial<TaskResult>;

function fakeRuntime(script: Script): { runtime: ContainerRuntime; requests: TaskRequest[] } {
  const requests: TaskRequest[] = [];
  const runtime = {
    async runTask(_engine: unknown, request: TaskRequest): Promise<TaskResult> {
      requests.push(request);
      return { exitCode: 0, stdout: '', stderr: '', durationMs: 1, containerName: 'alm-backup-task-x', ...(await script(request)) };
    },
    async removeTasks() {
      return [];
    },
  } as unknown as ContainerRuntime;
  return { runtime, requests };
}

const engine = { name: 'test', endpoint: 'unix:///nowhere.sock' };
const PASSWORD = 'sup3r-secret-repository-password';
const localRepo = { site: parseBackupSite({ kind: 'local', name: 'local', path: '/srv/b' }), tenant: { id: 't1' }, password: PASSWORD };
const restRepo = {
  site: parseBackupSite({ kind: 'rest', name: 'offsite', url: 'http://rest:8000', username: 'coop', network: 'sites' }),
  credentials: { restPassword: 'rest-secret-pw' },
  tenant: { id: 't1' },
  password: PASSWORD,
};
const SUMMARY = JSON.stringify({ message_type: 'summary', snapshot_id: 'ab'.repeat(32), data_added: 10, data_added_packed: 5, total_files_processed: 2, total_bytes_processed: 8, files_new: 2 });

async function rejection(promise: Promise<unknown>): Promise<BackupError> {
  try {
    await promise;
  } catch (error) {
    return error as BackupError;
  }
  throw new Error('expected a rejection');
}

describe('ResticBackupEngine', () => {
  it('gives secrets only through stdin: never in argv or env', async () => {
    const { runtime, requests } = fakeRuntime((request) => {
      request.onStdoutLine?.(SUMMARY);
      return {};
    });
    await new ResticBackupEngine(runtime).backup(engine, restRepo, { app: 'prosody', kind: 'scheduled', volumes: [{ name: 'alm-club-prosody-data', mountAs: 'data' }] });
    const [request] = requests;
    const visible = JSON.stringify({ argv: request.argv, env: request.env });
    expect(visible).not.toContain(PASSWORD);
    expect(visible).not.toContain('rest-secret-pw');
    expect(readSecretBundle(request.stdin!)).toEqual({ 'restic-password': PASSWORD, 'rest-password': 'rest-secret-pw' });
    expect(request.env).toMatchObject({ ALLMENDE_SECRETS_ON_STDIN: '1', RESTIC_REST_USERNAME: 'coop' });
    expect(request).toMatchObject({ role: 'backup-task', network: 'sites', capabilities: ['DAC_READ_SEARCH'], tmpfs: { '/run/allmende': 1024 * 1024 } });
  });

  it('mounts the volumes read-only at /backup/<app>/<mountAs> and binds only the tenant\'s folder', async () => {
    const { runtime, requests } = fakeRuntime((request) => {
      request.onStdoutLine?.(SUMMARY);
      return {};
    });
    const result = await new ResticBackupEngine(runtime).backup(engine, localRepo, {
      app: 'wordpress',
      kind: 'manual',
      volumes: [{ name: 'alm-club-wordpress-content', mountAs: 'content' }, { name: 'alm-club-wordpress-db', mountAs: 'db' }],
      requireNonEmpty: ['db/dump.sql'],
    });
    expect(result).toMatchObject({ snapshotId: 'ab'.repeat(32), bytesAdded: 10, bytesStored: 5, files: 2, totalBytes: 8, incomplete: false });
    const [request] = requests;
    expect(request.volumes).toEqual([
      { volume: 'alm-club-wordpress-content', target: '/backup/wordpress/content', readOnly: true },
      { volume: 'alm-club-wordpress-db', target: '/backup/wordpress/db', readOnly: true },
    ]);
    expect(request.binds).toEqual([{ source: '/srv/b/t1', target: '/repository', readOnly: false }]);
    expect(request.network).toBe('none');
    expect(request.argv.slice(0, 3)).toEqual(['--require-nonempty', '/backup/wordpress/db/dump.sql', '--']);
    expect(request.argv).toContain('--tag=tenant=t1,app=wordpress,kind=manual');
  });

  it('with the previous snapshot\'s size, skips restic\'s pre-scan and estimates progress against it', async () => {
    const { runtime, requests } = fakeRuntime((request) => {
      request.onStdoutLine?.('{"message_type":"status","percent_done":0,"files_done":110,"bytes_done":500}');
      request.onStdoutLine?.('{"message_type":"status","percent_done":0,"files_done":300,"bytes_done":1200}');
      request.onStdoutLine?.(SUMMARY);
      return {};
    });
    const progress: number[] = [];
    await new ResticBackupEngine(runtime).backup(engine, localRepo, { app: 'prosody', kind: 'scheduled', volumes: [{ name: 'v', mountAs: 'data' }], expectedBytes: 1000 }, (p) => progress.push(p.percentDone));
    expect(requests[0].argv).toContain('--no-scan');
    expect(progress).toEqual([0.5, 0.99]);
  });

  it('reports a missing or empty dump by name and stores nothing', async () => {
    const { runtime } = fakeRuntime(() => ({ exitCode: 65, stderr: 'allmende-restic: required input is missing or empty: /backup/wordpress/db/dump.sql\n' }));
    const error = await rejection(new ResticBackupEngine(runtime).backup(engine, localRepo, { app: 'wordpress', kind: 'scheduled', volumes: [{ name: 'v', mountAs: 'db' }], requireNonEmpty: ['db/dump.sql'] }));
    expect(error.code).toBe('backup.empty_input');
    expect(error.missingFiles).toEqual(['db/dump.sql']);
    expect(error.transient).toBe(false);
  });

  it('refuses bad requests before any container runs', async () => {
    const { runtime, requests } = fakeRuntime(() => ({}));
    const backups = new ResticBackupEngine(runtime);
    await expect(backups.backup(engine, localRepo, { app: 'wordpress', kind: 'scheduled', volumes: [] })).rejects.toThrow('volumes');
    await expect(backups.backup(engine, localRepo, { app: 'wordpress', kind: 'scheduled', volumes: [{ name: 'v', mountAs: 'db' }], requireNonEmpty: ['../x/y'] })).rejects.toThrow('requireNonEmpty');
    await expect(backups.backup(engine, localRepo, { app: 'wp,kind=final', kind: 'scheduled', volumes: [{ name: 'v', mountAs: 'db' }] })).rejects.toThrow('app');
    await expect(backups.backup(engine, { ...localRepo, password: 'two\nlines' }, { app: 'wordpress', kind: 'scheduled', volumes: [{ name: 'v', mountAs: 'db' }] })).rejects.toThrow('password');
    await expect(backups.restore(engine, localRepo, { snapshotId: 'latest', app: 'wordpress', into: [{ mountAs: 'db', volume: 'v' }] })).rejects.toThrow('snapshotId');
    expect(requests).toHaveLength(0);
  });

  it('refuses forget on an append-only site without running restic', async () => {
    const { runtime, requests } = fakeRuntime(() => ({}));
    const site = parseBackupSite({ kind: 'rest', name: 'offsite', url: 'http://rest:8000', appendOnly: true });
    const error = await rejection(new ResticBackupEngine(runtime).forget(engine, { ...restRepo, site }, { prune: true }));
    expect(error.code).toBe('backup.append_only');
    expect(error.message).toContain('append-only site: forget/prune not possible');
    expect(requests).toHaveLength(0);
  });

  it('notices an append-only server that refuses deletes although restic exits 0', async () => {
    const { runtime } = fakeRuntime(() => ({ exitCode: 0, stdout: '[]', stderr: 'Remove(<snapshot/f53d10cdde>) failed: unexpected HTTP response (403): 403 Forbidden\n' }));
    const error = await rejection(new ResticBackupEngine(runtime).forget(engine, restRepo, { prune: false }));
    expect(error.code).toBe('backup.append_only');
  });

  it('gives up on a site that does not answer after a few of restic\'s retries', async () => {
    const { runtime } = fakeRuntime(
      (request) =>
        new Promise((_, reject) => {
          for (let i = 0; i < 3; i++) request.onStderrLine?.(`Stat(<config/>) returned error, retrying after ${i + 1}s: Head "http://rest:8000/t1/config": dial tcp: lookup rest on 127.0.0.11:53: no such host`);
          const fail = () => reject(new RuntimeError('runtime.task_aborted', 'aborted'));
          if (request.signal?.aborted) fail();
          else request.signal?.addEventListener('abort', fail);
        }),
    );
    const error = await rejection(new ResticBackupEngine(runtime).snapshots(engine, restRepo));
    expect(error.code).toBe('backup.site_unreachable');
    expect(error.transient).toBe(true);
    expect(error.message).toContain('no such host');
  });

  it('creates a repository only when opening it says it is missing', async () => {
    const calls: string[] = [];
    const { runtime } = fakeRuntime((request) => {
      const command = request.argv.includes('init') ? 'init' : 'cat';
      calls.push(command);
      return command === 'cat' ? { exitCode: 10, stderr: 'Fatal: repository does not exist' } : { exitCode: 0 };
    });
    expect(await new ResticBackupEngine(runtime).ensureRepository(engine, restRepo)).toEqual({ created: true });
    expect(calls).toEqual(['cat', 'init']);

    const wrong = fakeRuntime(() => ({ exitCode: 12, stderr: 'Fatal: wrong password or no key found' }));
    expect((await rejection(new ResticBackupEngine(wrong.runtime).ensureRepository(engine, restRepo))).code).toBe('backup.wrong_password');
  });

  it('reports damaged packs found by check with restic\'s reason', async () => {
    const { runtime } = fakeRuntime((request) => {
      request.onStderrLine?.('{"message_type":"error","message":"pack 3d494c2e contains 2 errors: [blob 5891: decrypting blob failed: ciphertext verification failed]"}');
      request.onStderrLine?.('{"message_type":"error","message":"\\nThe repository contains damaged pack files."}');
      request.onStdoutLine?.('{"message_type":"summary","num_errors":1,"broken_packs":["3d494c2e381e5d2d"]}');
      return { exitCode: 1, stderr: '{"message_type":"exit_error","code":1,"message":"Fatal: repository contains errors"}' };
    });
    const error = await rejection(new ResticBackupEngine(runtime).check(engine, localRepo, { readData: 'all' }));
    expect(error.code).toBe('backup.repository_corrupt');
    expect(error.brokenPacks).toEqual(['3d494c2e381e5d2d']);
    expect(error.message).toContain('ciphertext verification failed');
  });

  it('restores into another tenant\'s volumes (clone, drill) with the task labelled for that tenant', async () => {
    const { runtime, requests } = fakeRuntime(() => ({}));
    await new ResticBackupEngine(runtime).restore(engine, localRepo, {
      snapshotId: 'ab'.repeat(32),
      app: 'prosody',
      into: [{ mountAs: 'data', volume: 'alm-drill-prosody-data' }],
      intoTenant: { id: 'drill-1', slug: 'drill-x' },
    });
    const [request] = requests;
    expect(request.tenant).toEqual({ id: 'drill-1', slug: 'drill-x' });
    // the repository read is still the source tenant's own folder
    expect(request.binds).toEqual([{ source: '/srv/b/t1', target: '/repository', readOnly: false }]);
    await expect(new ResticBackupEngine(runtime).restore(engine, localRepo, { snapshotId: 'ab'.repeat(32), app: 'prosody', into: [{ mountAs: 'data', volume: 'v' }], intoTenant: { id: '../x' } })).rejects.toThrow('intoTenant.id');
  });

  it('forgets named snapshots of the tenant only, and refuses ids it does not hold', async () => {
    const own = 'cd'.repeat(32);
    const listing = JSON.stringify([{ id: own, short_id: own.slice(0, 8), time: '2026-01-01T00:00:00Z', tags: ['tenant=t1', 'app=prosody', 'kind=final'], paths: ['/backup/prosody/data'], hostname: 'allmende' }]);
    const { runtime, requests } = fakeRuntime((request) => (request.argv.includes('snapshots') ? { stdout: listing } : {}));
    const backups = new ResticBackupEngine(runtime);
    const result = await backups.forgetSnapshots(engine, localRepo, { snapshotIds: [own], prune: true });
    expect(result).toMatchObject({ removed: [own], kept: [], pruned: true });
    expect(requests[1].argv).toEqual(['--', '--repo=/repository', 'forget', '--json', '--prune', '--', own]);
    const error = await rejection(backups.forgetSnapshots(engine, localRepo, { snapshotIds: ['ef'.repeat(32)], prune: false }));
    expect(error.code).toBe('backup.snapshot_not_found');
    await expect(backups.forgetSnapshots(engine, localRepo, { snapshotIds: ['--keep-last=1'], prune: false })).rejects.toThrow('snapshotIds[0]');
    const appendOnly = parseBackupSite({ kind: 'rest', name: 'offsite', url: 'http://rest:8000', appendOnly: true });
    expect((await rejection(backups.forgetSnapshots(engine, { ...restRepo, site: appendOnly }, { snapshotIds: [own], prune: true }))).code).toBe('backup.append_only');
  });
});
