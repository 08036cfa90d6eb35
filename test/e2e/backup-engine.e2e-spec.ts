import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import {
  BackupError, generateSshKeyPair, parseBackupSite, ResticBackupEngine, type BackupProgress, type BackupSite, type TenantRepository,
} from '#backup';
import { LABELS } from '#runtime';
import { DockerodeRuntime } from '#runtime/docker';
import { removeLabelled, requireImages, testDocker, testEngine } from '#test/support/docker.js';

// The backup engine against real restic (allmende/restic:0.18) in task containers on the
// shared engine, with real sites: a local directory, restic's REST server (append-only and
// private-repos variants) and an OpenSSH server over SFTP.

const RESTIC = 'allmende/restic:0.18';
const REST_SERVER = 'allmende-test/rest-server:0.13';
const SSHD = 'allmende-test/sshd:1';
const BUSYBOX = 'allmende/busybox:1';
const RUN = randomBytes(3).toString('hex');
const RUN_LABEL = `allmende-e2e.run=${RUN}`;
const TENANT = `e2e-${RUN}-club`;
const NETWORK = `alm-e2e-${RUN}-sites`;

const engine = testEngine();
const docker = testDocker(engine);
// frequent progress lines, so that even these small backups report some
const backups = new ResticBackupEngine(new DockerodeRuntime({ stopTimeoutSeconds: 2 }), { progressPerSecond: 30 });
const execFileAsync = promisify(execFile);

/** The docker CLI against the test engine (argv, no shell). */
async function dockerCli(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('docker', ['-H', engine.endpoint, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A bash script in a throwaway container (the restic image has GNU find and sha256sum), with volumes mounted. */
async function inVolumes(script: string, mounts: Record<string, string>): Promise<string> {
  const volumeArgs = Object.entries(mounts).flatMap(([volume, target]) => ['--mount', `type=volume,source=${volume},target=${target}`]);
  return dockerCli('run', '--rm', '--label', RUN_LABEL, '--network', 'none', ...volumeArgs, '--entrypoint', 'bash', RESTIC, '-c', script);
}

/** Every entry of a volume with owner, mode, type and link target, and every file's checksum and mtime. */
async function manifestOf(volume: string): Promise<string> {
  return inVolumes("cd /v && find . -printf '%p %U:%G %m %y %l\\n' | sort && find . -type f -printf '%p %T@\\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum", { [volume]: '/v' });
}

async function createTenantVolume(name: string, tenantId = TENANT): Promise<string> {
  await docker.createVolume({ Name: name, Labels: { [LABELS.managed]: 'true', [LABELS.tenant]: tenantId, 'allmende-e2e.run': RUN } });
  return name;
}

async function backupTasks(): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.tenant}=${TENANT}`, `${LABELS.role}=backup-task`] } });
}

async function rejection(promise: Promise<unknown>): Promise<BackupError> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    return error;
  }
  throw new Error('expected a BackupError');
}

async function waitForLog(container: string, text: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout, stderr } = await execFileAsync('docker', ['-H', engine.endpoint, 'logs', container]);
    if (`${stdout}${stderr}`.includes(text)) return;
    if (Date.now() > deadline) throw new Error(`${container} did not log "${text}": ${stdout}${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const dataVolume = `alm-e2e-${RUN}-club-data`;
const dbVolume = `alm-e2e-${RUN}-club-db`;
const appContainer = `alm-e2e-${RUN}-club-web`;
const volumes = [{ name: dataVolume, mountAs: 'content' }, { name: dbVolume, mountAs: 'db' }];
const siteDir = mkdtempSync(join(tmpdir(), 'allmende-e2e-backup-'));
let originalData = '';
let originalDb = '';

const localSite = parseBackupSite({ kind: 'local', name: 'local', path: siteDir });
const local: TenantRepository = { site: localSite, tenant: { id: TENANT, slug: `club${RUN}` }, password: randomBytes(24).toString('base64url') };

beforeAll(async () => {
  await requireImages(engine, [RESTIC, REST_SERVER, SSHD, BUSYBOX]);
  await createTenantVolume(dataVolume);
  await createTenantVolume(dbVolume);
  // mixed files: many small texts, some random MB-sized files, owners other than root, a private file, a symlink, an empty file
  await inVolumes(
    [
      'set -e',
      'mkdir -p /d/uploads/2024 /d/config /d/cache/empty-dir',
      'for i in $(seq 1 300); do echo "note $i: $(seq $i $((i + 20)) | tr "\\n" " ")" > /d/uploads/2024/note-$i.txt; done',
      'for i in 1 2 3; do head -c $((i * 1024 * 1024)) /dev/urandom > /d/uploads/photo-$i.bin; done',
      'chown -R 33:33 /d/uploads',
      'echo "secret=1" > /d/config/app.conf && chown 1000:1001 /d/config/app.conf && chmod 600 /d/config/app.conf',
      'ln -s ../config/app.conf /d/uploads/config-link',
      'touch /d/cache/empty-file && chmod 750 /d/cache',
      'echo "CREATE TABLE members (id int); INSERT INTO members VALUES (1);" > /db/dump.sql',
    ].join('\n'),
    { [dataVolume]: '/d', [dbVolume]: '/db' },
  );
  originalData = await manifestOf(dataVolume);
  originalDb = await manifestOf(dbVolume);
  // the tenant's own running app container, with the same volume: a backup must never stop it
  await dockerCli(
    'run', '-d', '--name', appContainer, '--network', 'none',
    '--label', RUN_LABEL, '--label', `${LABELS.managed}=true`, '--label', `${LABELS.tenant}=${TENANT}`, '--label', `${LABELS.app}=wordpress`, '--label', `${LABELS.service}=web`, '--label', `${LABELS.role}=service`,
    '--mount', `type=volume,source=${dataVolume},target=/data`, BUSYBOX, 'sleep', '3600',
  );
  await dockerCli('network', 'create', '--label', RUN_LABEL, NETWORK);
});

afterEach(async () => {
  // success, failure or timeout: no backup task container remains
  expect(await backupTasks()).toEqual([]);
});

afterAll(async () => {
  await removeLabelled(engine, [RUN_LABEL]);
  for (const container of await docker.listContainers({ all: true, filters: { label: [`${LABELS.tenant}=${TENANT}`] } })) {
    await docker.getContainer(container.Id).remove({ force: true });
  }
  rmSync(siteDir, { recursive: true, force: true });
});

describe('a local directory site', () => {
  let firstSnapshot = '';
  let appStartedAt = '';

  it('creates the tenant\'s repository once, in its own folder', async () => {
    expect(await backups.ensureRepository(engine, local)).toEqual({ created: true });
    expect(await backups.ensureRepository(engine, local)).toEqual({ created: false });
    expect(readdirSync(siteDir)).toEqual([TENANT]);
    expect(readdirSync(join(siteDir, TENANT))).toEqual(expect.arrayContaining(['config', 'data', 'index', 'keys', 'snapshots']));
  });

  it('backs up the volumes read-only with progress, tagged by tenant, app and kind, leaving the app running', async () => {
    appStartedAt = (await docker.getContainer(appContainer).inspect()).State.StartedAt;
    const progress: BackupProgress[] = [];
    const result = await backups.backup(engine, local, { app: 'wordpress', kind: 'scheduled', volumes, requireNonEmpty: ['db/dump.sql'] }, (p) => progress.push(p));
    firstSnapshot = result.snapshotId;
    expect(result.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(result.files).toBe(300 + 3 + 1 + 1 + 1); // notes, photos, app.conf, empty-file, dump.sql (the symlink is not a file)
    expect(result.totalBytes).toBeGreaterThan(6 * 1024 * 1024);
    expect(result.bytesAdded).toBeGreaterThan(6 * 1024 * 1024);
    expect(result.incomplete).toBe(false);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1].operation).toBe('backup');
    expect(progress[progress.length - 1].percentDone).toBeGreaterThan(0.99);

    const [snapshot] = await backups.snapshots(engine, local);
    expect(snapshot).toMatchObject({ id: result.snapshotId, tenant: TENANT, app: 'wordpress', kind: 'scheduled', volumes: ['content', 'db'], hostname: 'allmende' });

    const app = await docker.getContainer(appContainer).inspect();
    expect(app.State.Running).toBe(true);
    expect(app.State.StartedAt).toBe(appStartedAt);
    // read-only mounts: the source volumes are untouched
    expect(await manifestOf(dataVolume)).toBe(originalData);
  });

  it('adds almost nothing when nothing changed', async () => {
    const [previous] = await backups.snapshots(engine, local);
    const progress: BackupProgress[] = [];
    const result = await backups.backup(engine, local, { app: 'wordpress', kind: 'scheduled', volumes, expectedBytes: previous.totalBytes }, (p) => progress.push(p));
    // no pre-scan: progress is estimated against the previous snapshot
    for (const p of progress) expect(p.totalBytes).toBeGreaterThanOrEqual(previous.totalBytes!);
    expect(result.snapshotId).not.toBe(firstSnapshot);
    expect(result.filesNew + result.filesChanged).toBe(0);
    expect(result.bytesAdded).toBeLessThan(32 * 1024); // new tree metadata only
    expect((await backups.snapshots(engine, local, { app: 'wordpress' })).map((s) => s.id)).toEqual([firstSnapshot, result.snapshotId]);
  });

  it('restores a snapshot into fresh volumes with the same contents, owners and modes', async () => {
    const restoredData = await createTenantVolume(`alm-e2e-${RUN}-restored-data`);
    const restoredDb = await createTenantVolume(`alm-e2e-${RUN}-restored-db`);
    // whatever the target held before is replaced
    await inVolumes('echo stale > /r/stale.txt && mkdir /r/old-dir', { [restoredData]: '/r' });
    const progress: BackupProgress[] = [];
    const result = await backups.restore(
      engine,
      local,
      { snapshotId: firstSnapshot, app: 'wordpress', into: [{ mountAs: 'content', volume: restoredData }, { mountAs: 'db', volume: restoredDb }] },
      (p) => progress.push(p),
    );
    expect(result.files).toBeGreaterThan(300);
    expect(result.bytes).toBeGreaterThan(6 * 1024 * 1024);
    expect(result.filesDeleted).toBeGreaterThanOrEqual(1);
    expect(await manifestOf(restoredData)).toBe(originalData);
    expect(await manifestOf(restoredDb)).toBe(originalDb);
    // (a volume restored in under half a second may report no progress at all)
    for (const p of progress) expect(['content', 'db']).toContain(p.volume);
  });

  it('restoring a volume the snapshot does not have fails clearly', async () => {
    const target = await createTenantVolume(`alm-e2e-${RUN}-restored-x`);
    const error = await rejection(backups.restore(engine, local, { snapshotId: firstSnapshot, app: 'wordpress', into: [{ mountAs: 'uploads', volume: target }] }));
    expect(error.code).toBe('backup.snapshot_not_found');
    const unknown = await rejection(backups.restore(engine, local, { snapshotId: '0123456789abcdef', app: 'wordpress', into: [{ mountAs: 'content', volume: target }] }));
    expect(unknown.code).toBe('backup.snapshot_not_found');
  });

  it('fails without a snapshot when a required dump is missing or empty', async () => {
    const before = (await backups.snapshots(engine, local)).length;
    const missing = await rejection(backups.backup(engine, local, { app: 'wordpress', kind: 'scheduled', volumes, requireNonEmpty: ['db/dump.sql', 'db/other.sql'] }));
    expect(missing.code).toBe('backup.empty_input');
    expect(missing.missingFiles).toEqual(['db/other.sql']);
    expect(missing.transient).toBe(false);

    await inVolumes(': > /db/dump.sql', { [dbVolume]: '/db' });
    try {
      const empty = await rejection(backups.backup(engine, local, { app: 'wordpress', kind: 'scheduled', volumes, requireNonEmpty: ['db/dump.sql'] }));
      expect(empty.code).toBe('backup.empty_input');
      expect(empty.message).toContain('db/dump.sql');
    } finally {
      await inVolumes('echo "CREATE TABLE members (id int); INSERT INTO members VALUES (1);" > /db/dump.sql', { [dbVolume]: '/db' });
    }
    expect((await backups.snapshots(engine, local)).length).toBe(before);
  });

  it('says so clearly when the password is wrong', async () => {
    const error = await rejection(backups.backup(engine, { ...local, password: 'not-the-password' }, { app: 'wordpress', kind: 'manual', volumes }));
    expect(error.code).toBe('backup.wrong_password');
    expect(error.transient).toBe(false);
    expect(error.message).toMatch(/wrong repository password/);
    expect(error.message).not.toContain(local.password);
  });

  it('kills and removes the task when it runs past its time limit', async () => {
    const error = await rejection(backups.backup(engine, local, { app: 'wordpress', kind: 'manual', volumes, timeoutMs: 300 }));
    expect(error.code).toBe('backup.timeout');
    expect(error.transient).toBe(true);
  });

  it('refuses a volume that is not the tenant\'s', async () => {
    const foreign = await createTenantVolume(`alm-e2e-${RUN}-foreign`, `e2e-${RUN}-other`);
    const error = await rejection(backups.backup(engine, local, { app: 'wordpress', kind: 'manual', volumes: [{ name: foreign, mountAs: 'content' }] }));
    expect(error.code).toBe('backup.volume_refused');
  });

  it('reports a site directory that does not exist on the Docker host, and a tenant without a repository', async () => {
    const gone = { ...local, site: parseBackupSite({ kind: 'local', name: 'usb', path: `${siteDir}-not-mounted` }) };
    const error = await rejection(backups.ensureRepository(engine, gone));
    expect(error.code).toBe('backup.site_unreachable');
    expect(error.message).toContain('does not exist on the Docker host');
    const stranger = await rejection(backups.snapshots(engine, { ...local, tenant: { id: `e2e-${RUN}-nobody` } }));
    expect(stranger.code).toBe('backup.repository_missing');
  });

  it('applies retention per tenant, app and kind', async () => {
    await backups.backup(engine, local, { app: 'wordpress', kind: 'manual', volumes });
    const result = await backups.forget(engine, local, { retention: { daily: 0, weekly: 0, monthly: 0, last: 1 }, prune: true });
    // two scheduled snapshots -> one kept; the manual one is its own group
    expect(result.removed).toEqual([firstSnapshot]);
    expect(result.kept).toHaveLength(2);
    const left = await backups.snapshots(engine, local);
    expect(left.map((s) => s.kind).sort()).toEqual(['manual', 'scheduled']);
  });

  it('check finds flipped bytes in a pack file and says why', async () => {
    await expect(backups.check(engine, local, { readData: 'all' })).resolves.toMatchObject({ readData: 'all' });
    // the largest pack holds file data
    const packs = readdirSync(join(siteDir, TENANT, 'data'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .sort((a, b) => statSync(b).size - statSync(a).size);
    const fd = openSync(packs[0], 'r+');
    try {
      writeSync(fd, Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, 100);
    } finally {
      closeSync(fd);
    }
    // structure alone does not read the data
    await expect(backups.check(engine, local, { readData: 'none' })).resolves.toBeDefined();
    const error = await rejection(backups.check(engine, local, { readData: 'all' }));
    expect(error.code).toBe('backup.repository_corrupt');
    expect(error.transient).toBe(false);
    expect(error.brokenPacks).toEqual([packs[0].split('/').pop()]);
    expect(error.message).toMatch(/ciphertext verification failed|hash/);
  });
});

describe('a REST server site', () => {
  const appendOnlyServer = `alm-e2e-${RUN}-rest`;
  const privateServer = `alm-e2e-${RUN}-rest-private`;
  const restPassword = randomBytes(18).toString('base64url');

  beforeAll(async () => {
    await dockerCli('run', '-d', '--name', appendOnlyServer, '--label', RUN_LABEL, '--network', NETWORK, REST_SERVER, '--append-only');
    await dockerCli('run', '-d', '--name', privateServer, '--label', RUN_LABEL, '--network', NETWORK, '-e', 'REST_SERVER_USER=coop', '-e', `REST_SERVER_PASSWORD=${restPassword}`, REST_SERVER, '--private-repos');
    await waitForLog(appendOnlyServer, 'start server');
    await waitForLog(privateServer, 'start server');
  });

  // the operator did not mark the site append-only: the server's refusal is what the engine must report
  const appendOnly = (): TenantRepository => ({ ...local, site: parseBackupSite({ kind: 'rest', name: 'offsite', url: `http://${appendOnlyServer}:8000`, network: NETWORK }) });

  it('backs up to an append-only server, and forget is refused with a clear error', async () => {
    const repo = appendOnly();
    expect(await backups.ensureRepository(engine, repo)).toEqual({ created: true });
    const first = await backups.backup(engine, repo, { app: 'wordpress', kind: 'scheduled', volumes, requireNonEmpty: ['db/dump.sql'] });
    const second = await backups.backup(engine, repo, { app: 'wordpress', kind: 'scheduled', volumes });
    expect(second.bytesAdded).toBeLessThan(32 * 1024);

    const refused = await rejection(backups.forget(engine, repo, { retention: { daily: 0, weekly: 0, monthly: 0, last: 1 }, prune: true }));
    expect(refused.code).toBe('backup.append_only');
    expect(refused.message).toContain('append-only site: forget/prune not possible');
    expect((await backups.snapshots(engine, repo)).map((s) => s.id)).toEqual([first.snapshotId, second.snapshotId]);

    // marked append-only in the configuration: refused without even asking the server
    const configured = { ...repo, site: { ...repo.site, appendOnly: true } };
    expect((await rejection(backups.forget(engine, configured, { prune: false }))).code).toBe('backup.append_only');
  });

  it('uses a private repository with the REST user and password given as secrets', async () => {
    const site = parseBackupSite({ kind: 'rest', name: 'offsite', url: `http://${privateServer}:8000/coop`, username: 'coop', network: NETWORK });
    const repo: TenantRepository = { ...local, site, credentials: { restPassword } };
    expect(await backups.ensureRepository(engine, repo)).toEqual({ created: true });
    const result = await backups.backup(engine, repo, { app: 'wordpress', kind: 'manual', volumes });
    expect(result.files).toBeGreaterThan(300);

    const wrong = await rejection(backups.snapshots(engine, { ...repo, credentials: { restPassword: 'wrong-password' } }));
    expect(wrong.code).toBe('backup.site_auth_failed');
    // another user's folder is not ours
    const elsewhere = parseBackupSite({ kind: 'rest', name: 'offsite', url: `http://${privateServer}:8000/someone-else`, username: 'coop', network: NETWORK });
    expect((await rejection(backups.ensureRepository(engine, { ...repo, site: elsewhere }))).code).toBe('backup.site_auth_failed');
  });

  it('reports an unreachable site as transient, without waiting for restic\'s 15 minutes of retries', async () => {
    const started = Date.now();
    const site = parseBackupSite({ kind: 'rest', name: 'offsite', url: `http://alm-e2e-${RUN}-nowhere:8000`, network: NETWORK });
    const error = await rejection(backups.backup(engine, { ...local, site }, { app: 'wordpress', kind: 'scheduled', volumes }));
    expect(error.code).toBe('backup.site_unreachable');
    expect(error.transient).toBe(true);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

describe('an SFTP site', () => {
  const server = `alm-e2e-${RUN}-sshd`;
  const keys = generateSshKeyPair(`e2e-${RUN}`);
  let site: BackupSite;

  beforeAll(async () => {
    await dockerCli('run', '-d', '--name', server, '--label', RUN_LABEL, '--network', NETWORK, '-e', `AUTHORIZED_KEYS=${keys.publicKey}`, SSHD);
    await waitForLog(server, 'Server listening');
    const hostKey = (await dockerCli('exec', server, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub')).trim();
    site = parseBackupSite({ kind: 'sftp', name: 'offsite', user: 'allmende', host: server, port: 22, path: '/srv/backup', hostKey, network: NETWORK });
  });

  it('backs up with a generated key to a pinned host and restores from it', async () => {
    const repo: TenantRepository = { ...local, site, credentials: { sshPrivateKey: keys.privateKey } };
    expect(await backups.ensureRepository(engine, repo)).toEqual({ created: true });
    const result = await backups.backup(engine, repo, { app: 'wordpress', kind: 'pre-upgrade', volumes, requireNonEmpty: ['db/dump.sql'] });
    expect(result.files).toBeGreaterThan(300);
    expect((await dockerCli('exec', server, 'ls', `/srv/backup/${TENANT}`)).split('\n')).toEqual(expect.arrayContaining(['config', 'data', 'snapshots']));

    const target = await createTenantVolume(`alm-e2e-${RUN}-from-sftp`);
    await backups.restore(engine, repo, { snapshotId: result.snapshotId, app: 'wordpress', into: [{ mountAs: 'content', volume: target }] });
    expect(await manifestOf(target)).toBe(originalData);
  });

  it('refuses a server whose host key is not the pinned one, and a key the server does not know', async () => {
    const impostor = { ...site, hostKey: generateSshKeyPair().publicKey.split(' ').slice(0, 2).join(' ') } as BackupSite;
    const mismatch = await rejection(backups.snapshots(engine, { ...local, site: impostor, credentials: { sshPrivateKey: keys.privateKey } }));
    expect(mismatch.code).toBe('backup.site_auth_failed');
    expect(mismatch.detail).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);

    const stranger = await rejection(backups.snapshots(engine, { ...local, site, credentials: { sshPrivateKey: generateSshKeyPair().privateKey } }));
    // (restic's and ssh's words in the failure message, should the classification miss)
    expect({ code: stranger.code, detail: stranger.detail }).toEqual({ code: 'backup.site_auth_failed', detail: expect.stringMatching(/Permission denied/) });
  });

  it('reports a server that does not listen as unreachable', async () => {
    const closed = { ...site, port: 2222 } as BackupSite;
    const error = await rejection(backups.snapshots(engine, { ...local, site: closed, credentials: { sshPrivateKey: keys.privateKey } }));
    expect(error.code).toBe('backup.site_unreachable');
    expect(error.transient).toBe(true);
  });
});
