import { ValidationFailedError } from '#platform/errors';
import { parseBackupSite, type BackupSite } from './backup-site.js';
import { knownHostsLine, repositoryLocation, secretFiles } from './repository.js';
import { readSecretBundle, secretBundle } from './secret-bundle.js';
import { generateSshKeyPair } from './ssh-keys.js';

const keys = generateSshKeyPair();
const hostKey = keys.publicKey.split(' ').slice(0, 2).join(' ');
const local = parseBackupSite({ kind: 'local', name: 'local', path: '/srv/allmende-backups' });
const sftp = parseBackupSite({ kind: 'sftp', name: 'offsite', user: 'allmende', host: 'sshd.example.org', port: 2222, path: '/srv/backup', hostKey });
const rest = parseBackupSite({ kind: 'rest', name: 'rest', url: 'http://rest:8000/coop', username: 'coop', network: 'backup-net' });
const s3 = parseBackupSite({ kind: 's3', name: 's3', endpoint: 'https://s3.example.org', bucket: 'coop', prefix: 'allmende', region: 'eu-west-1', accessKeyId: 'AKIAEXAMPLE123' });
const TENANT = '6f1c0a54-7d0e-4b8e-9a55-4d0fbb1a7d21';

function fields(call: () => unknown): Record<string, string> {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailedError);
    return Object.fromEntries(Object.entries((error as ValidationFailedError).fields ?? {}).map(([field, problem]) => [field, String(problem.params?.detail ?? problem.code)]));
  }
  throw new Error('expected a refusal');
}

describe('repositoryLocation: one repository per tenant per site', () => {
  it('binds only the tenant\'s own folder of a local site, and the site directory only for init', () => {
    expect(repositoryLocation(local, TENANT, 'use')).toEqual({
      repository: '/repository',
      bind: { source: `/srv/allmende-backups/${TENANT}`, target: '/repository', readOnly: false },
      network: 'none',
      env: {},
    });
    expect(repositoryLocation(local, TENANT, 'init')).toMatchObject({ repository: `/site/${TENANT}`, bind: { source: '/srv/allmende-backups', target: '/site' } });
  });

  it('addresses remote sites by URL, credentials never in it', () => {
    expect(repositoryLocation(sftp, TENANT, 'use')).toEqual({ repository: `sftp://allmende@sshd.example.org:2222//srv/backup/${TENANT}`, network: 'bridge', env: {} });
    expect(repositoryLocation(rest, TENANT, 'use')).toEqual({ repository: `rest:http://rest:8000/coop/${TENANT}`, network: 'backup-net', env: { RESTIC_REST_USERNAME: 'coop' } });
    expect(repositoryLocation(s3, TENANT, 'use')).toEqual({
      repository: `s3:https://s3.example.org/coop/allmende/${TENANT}`,
      network: 'bridge',
      env: { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE123', AWS_DEFAULT_REGION: 'eu-west-1' },
    });
  });

  it('refuses tenant ids that are not plain folder names', () => {
    for (const bad of ['../other', 'a/b', '', 'A B', '-x']) expect(fields(() => repositoryLocation(local, bad, 'use')).tenantId).toBeDefined();
  });
});

describe('secretFiles', () => {
  it('carries the repository password and what the site needs, as files', () => {
    expect(secretFiles(local, undefined, 'pw-123')).toEqual({ 'restic-password': 'pw-123' });
    expect(secretFiles(sftp, { sshPrivateKey: keys.privateKey }, 'pw')).toEqual({ 'restic-password': 'pw', 'ssh-key': keys.privateKey, known_hosts: `[sshd.example.org]:2222 ${hostKey}\n` });
    expect(secretFiles(rest, { restPassword: 'p@ss:w/rd' }, 'pw')).toEqual({ 'restic-password': 'pw', 'rest-password': 'p@ss:w/rd' });
    expect(secretFiles(s3, { s3SecretAccessKey: 'secret' }, 'pw')).toEqual({ 'restic-password': 'pw', 'aws-secret-access-key': 'secret' });
  });

  it('names what is missing or malformed', () => {
    expect(Object.keys(fields(() => secretFiles(sftp, {}, 'pw')))).toEqual(['credentials.sshPrivateKey']);
    expect(Object.keys(fields(() => secretFiles(rest, {}, '')))).toEqual(['password', 'credentials.restPassword']);
    expect(Object.keys(fields(() => secretFiles(s3 as BackupSite, {}, 'line\nbreak')))).toEqual(['password', 'credentials.s3SecretAccessKey']);
  });

  it('pins the host key in known_hosts form', () => {
    expect(knownHostsLine('h.example.org', 22, hostKey)).toBe(`h.example.org ${hostKey}\n`);
  });
});

describe('secretBundle', () => {
  it('is a tar the entry point can unpack, with the files intact', () => {
    const bundle = secretBundle({ 'restic-password': 'pw-ü', 'ssh-key': keys.privateKey });
    expect(bundle.length % 512).toBe(0);
    expect(readSecretBundle(bundle)).toEqual({ 'restic-password': 'pw-ü', 'ssh-key': keys.privateKey });
    // ustar magic and mode 0600
    expect(bundle.toString('ascii', 257, 262)).toBe('ustar');
    expect(bundle.toString('ascii', 100, 107)).toBe('0000600');
  });

  it('refuses paths', () => {
    expect(() => secretBundle({ '../etc/passwd': 'x' })).toThrow('not a plain file name');
  });
});

describe('generateSshKeyPair', () => {
  it('writes an unencrypted OpenSSH Ed25519 key and the matching public line', () => {
    const pair = generateSshKeyPair('club');
    expect(pair.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
    const body = Buffer.from(pair.privateKey.split('\n').slice(1, -2).join(''), 'base64');
    expect(body.toString('latin1', 0, 15)).toBe('openssh-key-v1\0');
    const [type, blob, comment] = pair.publicKey.split(' ');
    expect([type, comment]).toEqual(['ssh-ed25519', 'club']);
    // the public blob is embedded in the private file
    expect(body.includes(Buffer.from(blob, 'base64'))).toBe(true);
    expect(generateSshKeyPair().privateKey).not.toBe(pair.privateKey);
  });
});
