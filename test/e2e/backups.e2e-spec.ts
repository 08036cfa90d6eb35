import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { BackupEngine, parseBackupSite } from '#backup';
import { LABELS } from '#runtime';
import { Backup, BackupRecords, RestoreDrill, Tenant } from '#provisioning';
import { createPost, createXmppUser, dockerCli, lettersTo, postTitles, serviceContainer, waitForEnd, xmppLoginIn } from '#test/support/backups.js';
import { ControlPlane, startControlPlane } from '#test/support/control-plane.js';
import { removeLabelled, requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { removeTenantObjects } from '#test/support/docker-exec.js';
import { createClub, createOperator, Session } from '#test/support/fixtures.js';

/**
 * Backups that are proven to restore, on a real engine with real restic: a club (Prosody and
 * WordPress) backed up to a local directory and to restic's REST server, restored into itself
 * (safety snapshot first, back to it when a restore fails), cloned into a new tenant, drilled
 * in an isolated scratch copy with an XMPP login and a served post, and finally terminated
 * (final backup kept) and purged (every snapshot forgotten and pruned).
 */
const RUN = randomBytes(3).toString('hex');
const RUN_LABEL = `allmende-e2e.run=${RUN}`;
const NETWORK = `alm-e2e-${RUN}-sites`;
const REST_SERVER = `alm-e2e-${RUN}-rest`;
const SUBDOMAIN = `bk${RUN}`;
const DOMAIN = `${SUBDOMAIN}.allmende.localhost`;

describe('backups that restore, on a real Docker engine', () => {
  const engine = testEngine();
  const docker: Docker = testDocker(engine);
  const siteDir = mkdtempSync(join(tmpdir(), 'allmende-e2e-site-'));
  const configDir = mkdtempSync(join(tmpdir(), 'allmende-e2e-sites-file-'));
  let plane: ControlPlane;
  let operator: Session;
  let owner: Session;
  let tenantId: string;
  const tenants: string[] = [];

  const prosody = () => serviceContainer(docker, tenantId, 'prosody', 'prosody').then((c) => c.Id);
  const wordpressDb = (id = tenantId) => serviceContainer(docker, id, 'wordpress', 'db').then((c) => c.Id);
  const wordpressWeb = () => serviceContainer(docker, tenantId, 'wordpress', 'web').then((c) => c.Id);
  const backupsOf = async (id = tenantId) => (await plane.http().get(`/api/v1/tenants/${id}/backups`).set(operator.auth).expect(200)).body;

  beforeAll(async () => {
    await requireImages(engine, ['allmende/prosody:0.12', 'allmende/wordpress:6.1', 'allmende/mariadb:10.11', 'allmende/restic:0.18', 'allmende-test/rest-server:0.13', 'allmende/busybox:1']);
    await dockerCli(engine.endpoint, ['network', 'create', '--label', RUN_LABEL, NETWORK]);
    await dockerCli(engine.endpoint, ['run', '-d', '--name', REST_SERVER, '--label', RUN_LABEL, '--network', NETWORK, 'allmende-test/rest-server:0.13']);
    const sitesFile = join(configDir, 'sites.json');
    writeFileSync(
      sitesFile,
      JSON.stringify({
        sites: [
          { kind: 'local', name: 'local', path: siteDir, retention: { daily: 7, weekly: 4, monthly: 3 } },
          { kind: 'rest', name: 'offsite', url: `http://${REST_SERVER}:8000/coop`, network: NETWORK, schedule: { windowStart: '02:00', windowEnd: '03:00', timeZone: 'Europe/Berlin' } },
        ],
      }),
    );
    chmodSync(sitesFile, 0o600);
    plane = await startControlPlane({ ALLMENDE_BACKUP_SITES_FILE: sitesFile, ALLMENDE_ALERT_EMAILS: 'ops@coop.example' });
    operator = await createOperator(plane);
    const club = await createClub(plane, 'Backup Club');
    owner = club.owner;
    const created = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId: club.organizationId, planCode: 'club', subdomain: SUBDOMAIN }).expect(201);
    tenantId = created.body.tenant.id;
    tenants.push(tenantId);
    await plane.waitForOperation(created.body.operation.id, 300_000);
    // what the club has before the backup: an XMPP account and a post
    await createXmppUser(engine.endpoint, await prosody(), DOMAIN, 'alice', 'alice-password-1');
    await createPost(engine.endpoint, await wordpressWeb(), `Spring fair ${RUN}`);
  });

  afterAll(async () => {
    // scratch copies of drills carry their own tenant label: only those of this run's drills
    const scratch = ((await plane?.dataSource.manager.find(RestoreDrill, {})) ?? []).map((drill) => drill.scratchTenantId);
    // the plane first: its reconcile loop would put back what the cleanup removes
    await plane?.close();
    for (const id of [...tenants, ...scratch]) await removeTenantObjects(docker, id).catch(() => undefined);
    await removeLabelled(engine, [RUN_LABEL]);
    rmSync(siteDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });

  let backupId: string;
  let offsiteBackupId: string;

  it('backs up both apps on both sites while they run, with live progress, each repository encrypted with its own sealed password', async () => {
    const started = await plane.http().post(`/api/v1/tenants/${tenantId}/backups`).set(owner.auth).expect(201);
    const done = await plane.waitForOperation(started.body.id, 300_000);
    expect(done.steps.map((step) => [step.name, step.state])).toEqual([['dump', 'done'], ['snapshot', 'done'], ['retention', 'done'], ['check', 'done']]);
    expect(done.steps[1].message).toMatch(/offsite: .*snapshot [0-9a-f]{8}/);
    const { summary, backups, sites } = await backupsOf();
    expect(summary.lastSuccessfulBackupAt).toBeTruthy();
    expect(backups.map((b: { site: string; state: string; kind: string }) => [b.site, b.state, b.kind]).sort()).toEqual([['local', 'succeeded', 'manual'], ['offsite', 'succeeded', 'manual']]);
    for (const backup of backups) expect(backup.apps.map((a: { app: string }) => a.app).sort()).toEqual(['prosody', 'wordpress']);
    backupId = backups.find((b: { site: string }) => b.site === 'local').id;
    offsiteBackupId = backups.find((b: { site: string }) => b.site === 'offsite').id;
    expect(sites.map((s: { site: string; consecutiveFailures: number }) => [s.site, s.consecutiveFailures])).toEqual([['local', 0], ['offsite', 0]]);
    // the tenant's own repository folder; the password is stored sealed, never in clear
    const rows = await plane.dataSource.query(`select site, sealed_password from backup_site_state where tenant_id = $1`, [tenantId]);
    const password = await plane.worker.get(BackupRecords).repositoryPassword(tenantId, 'local');
    expect(rows.every((row: { sealed_password: string }) => row.sealed_password.startsWith('v1.') && !row.sealed_password.includes(password))).toBe(true);
    const snapshots = await plane.worker.get(BackupEngine).snapshots(engine, { site: parseBackupSite({ kind: 'local', name: 'local', path: siteDir }), tenant: { id: tenantId }, password });
    expect(snapshots.map((s) => `${s.app}:${s.kind}:${s.tenant === tenantId}`).sort()).toEqual(['prosody:manual:true', 'wordpress:manual:true']);
    // the apps kept running
    expect((await docker.listContainers({ filters: { label: [`${LABELS.tenant}=${tenantId}`] } })).length).toBe(3);
    // owners see the date on the order status page too (provisioned by an operator here: no order)
  });

  it('restores a backup from the offsite site into the same tenant: safety snapshot, stop, files and databases, health gate', async () => {
    // after the backup: a new account and a new post, alice's password changed
    await createXmppUser(engine.endpoint, await prosody(), DOMAIN, 'bob', 'bob-password-1');
    await createXmppUser(engine.endpoint, await prosody(), DOMAIN, 'alice', 'changed-password');
    await createPost(engine.endpoint, await wordpressWeb(), `After the backup ${RUN}`);

    const started = await plane.http().post(`/api/v1/tenants/${tenantId}/restores`).set(owner.auth).send({ backupId: offsiteBackupId }).expect(201);
    const done = await plane.waitForOperation(started.body.id, 300_000);
    expect(done.steps.map((step) => step.state)).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
    expect(done.steps.find((step) => step.name === 'rollback')?.message).toBe('not needed');

    expect(await xmppLoginIn(engine.endpoint, await prosody(), DOMAIN, 'alice', 'alice-password-1')).toBe(true);
    expect(await xmppLoginIn(engine.endpoint, await prosody(), DOMAIN, 'bob', 'bob-password-1')).toBe(false);
    expect(await postTitles(engine.endpoint, await wordpressDb())).toEqual(expect.arrayContaining([`Spring fair ${RUN}`]));
    expect(await postTitles(engine.endpoint, await wordpressDb())).not.toContain(`After the backup ${RUN}`);
    const safety = (await backupsOf()).backups.find((b: { note: string | null }) => b.note?.startsWith('safety snapshot'));
    expect(safety).toMatchObject({ site: 'local', state: 'succeeded' });
    const audit = await plane.dataSource.query(`select action, details from audit_event where target_id = $1 and action = 'tenant.restore_requested'`, [tenantId]);
    expect(audit[0].details).toMatchObject({ backupId: offsiteBackupId, site: 'offsite' });
  });

  it('returns to the safety snapshot when a restore fails, and tells the operators', async () => {
    // the backup's snapshots vanish from its site behind the control plane's back
    const backup = await plane.dataSource.manager.findOneByOrFail(Backup, { id: backupId });
    const password = await plane.worker.get(BackupRecords).repositoryPassword(tenantId, 'local');
    const repository = { site: parseBackupSite({ kind: 'local', name: 'local', path: siteDir }), tenant: { id: tenantId }, password };
    await plane.worker.get(BackupEngine).forgetSnapshots(engine, repository, { snapshotIds: backup.snapshots.map((s) => s.snapshotId), prune: false });
    await createPost(engine.endpoint, await wordpressWeb(), `Kept through a failed restore ${RUN}`);

    const started = await plane.http().post(`/api/v1/tenants/${tenantId}/restores`).set(operator.auth).send({ backupId }).expect(201);
    const done = await waitForEnd(plane, started.body.id);
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/the tenant is back at the safety snapshot/);
    expect(done.steps.find((step) => step.name === 'files')?.state).toBe('failed');
    expect(done.steps.find((step) => step.name === 'rollback')?.state).toBe('done');
    expect(await postTitles(engine.endpoint, await wordpressDb())).toContain(`Kept through a failed restore ${RUN}`);
    expect(await xmppLoginIn(engine.endpoint, await prosody(), DOMAIN, 'alice', 'alice-password-1')).toBe(true);
    expect((await plane.dataSource.manager.findOneByOrFail(Tenant, { id: tenantId })).state).toBe('active');
    expect(await lettersTo(plane, 'provisioning.restore_failed')).toEqual([{ recipient: 'ops@coop.example' }]);
  });

  it('drills a restore of the latest backup in an isolated scratch copy: an XMPP login and the post served, then removes it', async () => {
    const seen: { name: string; internal: boolean }[] = [];
    const watcher = setInterval(() => {
      void docker.listNetworks({ filters: { name: ['alm-drill-'] } }).then((networks) => networks.forEach((n) => seen.push({ name: n.Name, internal: n.Internal })), () => undefined);
    }, 300);
    const started = await plane.http().post(`/api/v1/tenants/${tenantId}/drills`).set(owner.auth).expect(201);
    const done = await plane.waitForOperation(started.body.id, 300_000).finally(() => clearInterval(watcher));
    expect(done.steps.map((step) => step.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
    const [drill] = (await backupsOf()).drills;
    expect(drill).toMatchObject({ state: 'passed' });
    expect(drill.probes).toEqual([
      expect.objectContaining({ app: 'prosody', probe: 'xmpp-login', ok: true }),
      expect.objectContaining({ app: 'wordpress', probe: 'post-served', ok: true }),
    ]);
    expect(drill.probes[1].detail).toContain(`Kept through a failed restore ${RUN}`);
    expect(drill.durationMs).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((network) => network.internal)).toBe(true);
    const scratch = (await plane.dataSource.manager.findOneByOrFail(RestoreDrill, { id: drill.id })).scratchTenantId;
    const label = { label: [`${LABELS.tenant}=${scratch}`] };
    expect(await docker.listContainers({ all: true, filters: label })).toEqual([]);
    expect((await docker.listVolumes({ filters: label })).Volumes ?? []).toEqual([]);
    expect(await docker.listNetworks({ filters: label })).toEqual([]);
    expect((await backupsOf()).summary.lastVerifiedRestoreAt).toBeTruthy();
  });

  it('clones a backup into a new tenant of the club (operators): provisioned with the backup\'s keys, then restored', async () => {
    const { backups } = await backupsOf();
    const source = backups.find((b: { site: string; state: string; note: string | null }) => b.site === 'offsite' && b.state === 'succeeded');
    await plane.http().post(`/api/v1/tenants/${tenantId}/clones`).set(owner.auth).send({ backupId: source.id, subdomain: `${SUBDOMAIN}-copy` }).expect(403);
    const response = await plane.http().post(`/api/v1/tenants/${tenantId}/clones`).set(operator.auth).send({ backupId: source.id, subdomain: `${SUBDOMAIN}-copy` }).expect(201);
    const cloneId: string = response.body.tenant.id;
    tenants.push(cloneId);
    await plane.waitForOperation(response.body.provision.id, 300_000);
    const restored = await plane.waitForOperation(response.body.restore.id, 300_000);
    expect(restored.steps[0].message).toContain('copied from tenant');
    expect(await postTitles(engine.endpoint, await wordpressDb(cloneId))).toContain(`Spring fair ${RUN}`);
    const [sourceSecrets, cloneSecrets] = await Promise.all(
      [tenantId, cloneId].map(async (id) => (await plane.dataSource.query(`select app, sealed_secrets from service_instance where tenant_id = $1 order by app`, [id])).length),
    );
    expect(cloneSecrets).toBe(sourceSecrets);
  });

  it('keeps a final backup on every site at termination, and forgets and prunes all of them when the retention is over', async () => {
    const { operation } = await plane.app.get((await import('#provisioning')).TenantLifecycleService).transition(tenantId, 'terminate', { type: 'system', id: 'test' });
    await plane.waitForOperation(operation!.id, 300_000);
    const finals = await plane.dataSource.manager.findBy(Backup, { tenantId, kind: 'final' });
    expect(finals.map((b) => [b.site, b.state]).sort()).toEqual([['local', 'succeeded'], ['offsite', 'succeeded']]);
    await plane.dataSource.manager.update(Tenant, tenantId, { deleteDataAfter: new Date(Date.now() - 1000) });
    const [purgeId] = await plane.worker.get((await import('#provisioning')).ProvisioningMaintenance).purgeExpired();
    const purge = await plane.waitForOperation(purgeId, 300_000);
    expect(purge.steps.find((step) => step.name === 'backups')?.message).toMatch(/offsite: \d+ snapshot\(s\) forgotten and pruned/);
    const password = await plane.worker.get(BackupRecords).repositoryPassword(tenantId, 'offsite');
    const left = await plane.worker.get(BackupEngine).snapshots(engine, { site: parseBackupSite({ kind: 'rest', name: 'offsite', url: `http://${REST_SERVER}:8000/coop`, network: NETWORK }), tenant: { id: tenantId }, password });
    expect(left).toEqual([]);
    const audit = await plane.dataSource.query(`select action from audit_event where target_id = $1 and action in ('tenant.final_backup', 'tenant.backups_deleted') order by created_at`, [tenantId]);
    expect(audit.map((row: { action: string }) => row.action)).toEqual(['tenant.final_backup', 'tenant.backups_deleted']);
    expect((await plane.dataSource.manager.findBy(Backup, { tenantId })).every((b) => b.state !== 'succeeded')).toBe(true);
  });
});
