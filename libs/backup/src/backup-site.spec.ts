import { ValidationFailedError } from '#platform/errors';
import { DEFAULT_RETENTION, describeSite, normaliseHostKey, parseBackupSite } from './backup-site.js';
import { generateSshKeyPair } from './ssh-keys.js';

const HOST_KEY = generateSshKeyPair().publicKey;

function fieldsOf(input: unknown): Record<string, string> {
  try {
    parseBackupSite(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailedError);
    return Object.fromEntries(Object.entries((error as ValidationFailedError).fields ?? {}).map(([field, problem]) => [field, String(problem.params?.detail ?? problem.code)]));
  }
  throw new Error('expected a validation error');
}

describe('parseBackupSite', () => {
  it('fills in defaults for a local site: 15 daily, no network, a night window', () => {
    const site = parseBackupSite({ kind: 'local', name: 'local', path: '/srv/allmende-backups' });
    expect(site).toEqual({
      kind: 'local',
      name: 'local',
      path: '/srv/allmende-backups',
      retention: DEFAULT_RETENTION,
      schedule: { windowStart: '01:00', windowEnd: '05:00', timeZone: 'UTC' },
      appendOnly: false,
      network: 'none',
    });
    expect(DEFAULT_RETENTION.daily).toBeGreaterThanOrEqual(15);
  });

  it.each([
    ['relative', 'absolute path'],
    ['/', 'root directory'],
    ['/srv/../etc', 'normalised'],
    ['/srv//backups', 'normalised'],
    ['/srv/backups/', 'normalised'],
    ['/srv/my backups', 'only letters'],
    ['/srv/$(reboot)', 'only letters'],
    ['/srv/a:b', 'only letters'],
  ])('refuses the local path %j', (path, problem) => {
    expect(fieldsOf({ kind: 'local', name: 'local', path }).path).toContain(problem);
  });

  it('a local site never joins a network', () => {
    expect(fieldsOf({ kind: 'local', name: 'l', path: '/srv/b', network: 'bridge' }).network).toContain('no network');
  });

  it('accepts an sftp site with a pinned host key (comment dropped) and names every bad field', () => {
    const site = parseBackupSite({ kind: 'sftp', name: 'offsite', user: 'allmende', host: 'backup.example.org', port: 2222, path: '/srv/backup', hostKey: `${HOST_KEY} root@host` });
    expect(site).toMatchObject({ kind: 'sftp', port: 2222, network: 'bridge', hostKey: HOST_KEY.split(' ').slice(0, 2).join(' ') });
    const fields = fieldsOf({ kind: 'sftp', name: 'Off Site', user: 'root;x', host: 'bad host', port: 70000, path: 'x', hostKey: 'ssh-ed25519 AAAA' });
    expect(Object.keys(fields).sort()).toEqual(['host', 'hostKey', 'name', 'path', 'port', 'user']);
  });

  it('refuses a host key whose blob does not match its type', () => {
    const [, blob] = HOST_KEY.split(' ');
    expect(normaliseHostKey(`ssh-rsa ${blob}`)).toBeUndefined();
    expect(normaliseHostKey(HOST_KEY)).toBe(HOST_KEY.split(' ').slice(0, 2).join(' '));
  });

  it('accepts a REST URL without credentials and refuses one with them', () => {
    expect(parseBackupSite({ kind: 'rest', name: 'offsite', url: 'http://rest.example.org:8000/coop/', username: 'coop', appendOnly: true })).toMatchObject({ url: 'http://rest.example.org:8000/coop', appendOnly: true });
    expect(fieldsOf({ kind: 'rest', name: 'offsite', url: 'http://user:secret@rest.example.org:8000/' }).url).toContain('must not contain a user or password');
    expect(fieldsOf({ kind: 'rest', name: 'offsite', url: 'ftp://rest.example.org/' }).url).toContain('http');
    expect(fieldsOf({ kind: 'rest', name: 'offsite', url: 'http://rest.example.org/a?b=c' }).url).toContain('query');
    expect(fieldsOf({ kind: 'rest', name: 'offsite', url: 'http://rest.example.org/a b' }).url).toContain('plain folder names');
  });

  it('accepts S3 configuration', () => {
    expect(parseBackupSite({ kind: 's3', name: 's3', endpoint: 'https://s3.example.org', bucket: 'coop-backups', prefix: 'allmende/backups', region: 'eu-central-1', accessKeyId: 'AKIAEXAMPLE123' })).toMatchObject({
      endpoint: 'https://s3.example.org',
      prefix: 'allmende/backups',
    });
    const fields = fieldsOf({ kind: 's3', name: 's3', endpoint: 'https://s3.example.org/path', bucket: 'A', prefix: '../x', accessKeyId: 'x' });
    expect(Object.keys(fields).sort()).toEqual(['accessKeyId', 'bucket', 'endpoint', 'prefix']);
  });

  it('validates retention and schedule and refuses unknown fields', () => {
    const fields = fieldsOf({ kind: 'local', name: 'l', path: '/srv/b', retention: { daily: -1, hourly: 3 }, schedule: { windowStart: '25:00', timeZone: 'Mars/Olympus' }, extra: 1 });
    expect(fields).toMatchObject({ 'retention.daily': expect.any(String), 'retention.hourly': 'is not a known field', 'schedule.windowStart': expect.any(String), 'schedule.timeZone': expect.any(String), extra: expect.any(String) });
    expect(fieldsOf({ kind: 'local', name: 'l', path: '/srv/b', retention: { daily: 0, weekly: 0, monthly: 0, last: 0 } }).retention).toContain('keep something');
  });

  it('refuses an unknown kind and a non-object', () => {
    expect(fieldsOf({ kind: 'ftp' }).kind).toBeDefined();
    expect(fieldsOf('local').site).toBeDefined();
  });

  it('describes a site without secrets', () => {
    expect(describeSite(parseBackupSite({ kind: 'rest', name: 'offsite', url: 'https://r.example.org', username: 'coop', appendOnly: true }))).toBe('offsite (REST server https://r.example.org, append-only)');
  });
});
