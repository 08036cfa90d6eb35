import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Docker from 'dockerode';
import { Backup, Domain, Operation, Tenant, TenantExport } from '#provisioning';
import { SYSTEM_ACTOR } from '#domain';
import { ProvisioningMaintenance, TenantLifecycleService } from '#provisioning';
import { downloadExport } from '#test/support/backups.js';
import { ControlPlane, startControlPlane } from '#test/support/control-plane.js';
import { requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { containersOf, dockerExec, removeTenantObjects } from '#test/support/docker-exec.js';
import { createClub, createOperator, Session } from '#test/support/fixtures.js';

/**
 * The lifecycle that follows payment, on real containers: past due (still running),
 * suspended (stopped, data kept), paid again (running, same data), drift repaired,
 * canceled (final export), retention over (everything deleted).
 */
describe('tenant lifecycle on a real Docker engine', () => {
  const engine = testEngine();
  const docker: Docker = testDocker(engine);
  const billing = SYSTEM_ACTOR('test-billing');
  let plane: ControlPlane;
  let operator: Session;
  let owner: Session;
  let tenantId: string;
  let lifecycle: TenantLifecycleService;
  let maintenance: ProvisioningMaintenance;

  const tenant = () => plane.dataSource.manager.findOneByOrFail(Tenant, { id: tenantId });
  const states = async () => Object.fromEntries((await containersOf(docker, tenantId)).map((c) => [c.Names[0].slice(1), c.State]));
  const marker = async () => {
    const [container] = await containersOf(docker, tenantId);
    return (await dockerExec(docker, container.Id, ['cat', '/var/lib/prosody/allmende-marker'])).stdout;
  };

  beforeAll(async () => {
    await requireImages(engine, ['allmende/prosody:0.12', 'allmende/busybox:1']);
    plane = await startControlPlane();
    operator = await createOperator(plane);
    lifecycle = plane.app.get(TenantLifecycleService);
    maintenance = plane.worker.get(ProvisioningMaintenance);
    const club = await createClub(plane, 'Lifecycle Club');
    owner = club.owner;
    const created = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId: club.organizationId, planCode: 'chat', subdomain: 'life-cycle' }).expect(201);
    tenantId = created.body.tenant.id;
    await plane.waitForOperation(created.body.operation.id);
    // a file in the data volume stands for the club's data
    const [container] = await containersOf(docker, tenantId);
    await dockerExec(docker, container.Id, ['sh', '-c', 'echo "members list" > /var/lib/prosody/allmende-marker']);
  });

  afterAll(async () => {
    // the plane first: its reconcile loop would put back what the cleanup removes
    await plane?.close();
    await removeTenantObjects(docker, tenantId);
  });

  it('keeps running while past due, with a grace period', async () => {
    await lifecycle.transition(tenantId, 'payment_failed', billing);
    const current = await tenant();
    expect(current.state).toBe('past_due');
    expect(current.graceEndsAt!.getTime() - Date.now()).toBeGreaterThan(13 * 86_400_000);
    expect(await states()).toEqual({ 'alm-life-cycle-prosody-prosody': 'running' });
  });

  it('stops the containers when the grace period is over, and keeps the data', async () => {
    const { operation } = await lifecycle.transition(tenantId, 'grace_expired', billing);
    await plane.waitForOperation(operation!.id);
    expect((await tenant()).state).toBe('suspended');
    expect(await states()).toEqual({ 'alm-life-cycle-prosody-prosody': 'exited' });
    expect((await docker.listVolumes({ filters: { label: [`allmende.tenant=${tenantId}`] } })).Volumes).toHaveLength(1);
  });

  it('leaves a suspended tenant stopped when the reconcile loop passes', async () => {
    expect(await maintenance.detectDrift()).toEqual([]);
  });

  it('starts again with the same data when paid again', async () => {
    const { operation } = await lifecycle.transition(tenantId, 'payment_received', billing);
    await plane.waitForOperation(operation!.id);
    expect((await tenant()).state).toBe('active');
    expect(await states()).toEqual({ 'alm-life-cycle-prosody-prosody': 'running' });
    expect(await marker()).toBe('members list\n');
  });

  it('repairs drift: a container removed behind its back comes back, with the data', async () => {
    const [container] = await containersOf(docker, tenantId);
    await docker.getContainer(container.Id).remove({ force: true });
    const [reconcileId] = await maintenance.detectDrift();
    expect(reconcileId).toBeDefined();
    const reconcile = await plane.waitForOperation(reconcileId);
    expect(reconcile.steps.find((step) => step.name === 'compare')?.message).toContain('alm-life-cycle-prosody-prosody missing');
    expect(await states()).toEqual({ 'alm-life-cycle-prosody-prosody': 'running' });
    expect(await marker()).toBe('members list\n');
    expect(await maintenance.detectDrift()).toEqual([]);
  });

  it('reconciles on demand through the API', async () => {
    const response = await plane.http().post(`/api/v1/tenants/${tenantId}/reconcile`).set(operator.auth).expect(201);
    const done = await plane.waitForOperation(response.body.id);
    expect(done.steps.find((step) => step.name === 'compare')?.message).toBe('in sync');
  });

  it("exports the club's data whenever an owner asks, while it keeps running", async () => {
    const started = await plane.http().post(`/api/v1/tenants/${tenantId}/exports`).set(owner.auth).expect(201);
    await plane.waitForOperation(started.body.operation.id);
    expect(await states()).toEqual({ 'alm-life-cycle-prosody-prosody': 'running' });
    const [exported] = (await plane.http().get(`/api/v1/tenants/${tenantId}/exports`).set(owner.auth).expect(200)).body;
    expect(exported).toMatchObject({ state: 'completed', download: `/api/v1/tenants/${tenantId}/exports/${exported.id}/download` });
    const archive = await downloadExport(plane, owner.auth, exported.download);
    const bytes = gunzipSync(archive);
    expect(archive.length).toBe(exported.sizeBytes);
    expect(bytes.includes(Buffer.from('prosody/data/allmende-marker'))).toBe(true);
    expect(bytes.includes(Buffer.from('members list'))).toBe(true);
    expect(bytes.includes(Buffer.from('README.md'))).toBe(true);
    await plane.http().get(`/api/v1/tenants/${tenantId}/exports/${exported.id}/..%2F..%2Fsecret.key`).set(owner.auth).expect((r) => expect([400, 404]).toContain(r.status));
  });

  it('makes a final backup when the subscription is canceled, then stops', async () => {
    const { operation } = await lifecycle.transition(tenantId, 'terminate', billing);
    await plane.waitForOperation(operation!.id);
    const current = await tenant();
    expect(current.state).toBe('terminating');
    expect(current.deleteDataAfter!.getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(await states()).toEqual({ 'alm-life-cycle-prosody-prosody': 'exited' });
    const backup = await plane.dataSource.manager.findOneByOrFail(Backup, { tenantId, kind: 'final' });
    expect(backup).toMatchObject({ kind: 'final', state: 'succeeded', site: 'local' });
    expect(backup.note).toContain(current.deleteDataAfter!.toISOString());
    expect(existsSync(join(plane.config.backup.defaultLocalPath, tenantId, 'config'))).toBe(true);
  });

  it('deletes containers, volumes, network and the export only when the retention period is over', async () => {
    expect(await maintenance.purgeExpired()).toEqual([]); // not yet
    await plane.dataSource.manager.update(Tenant, tenantId, { deleteDataAfter: new Date(Date.now() - 1000) });
    const [purgeId] = await maintenance.purgeExpired();
    await plane.waitForOperation(purgeId);
    expect((await tenant()).state).toBe('terminated');
    expect(await containersOf(docker, tenantId)).toEqual([]);
    expect((await docker.listVolumes({ filters: { label: [`allmende.tenant=${tenantId}`] } })).Volumes ?? []).toEqual([]);
    expect(await docker.listNetworks({ filters: { label: [`allmende.tenant=${tenantId}`] } })).toEqual([]);
    const backups = await plane.dataSource.manager.findBy(Backup, { tenantId });
    expect(backups.map((b) => b.state)).toEqual(['forgotten']);
    expect((await plane.dataSource.manager.findBy(TenantExport, { tenantId })).map((e) => e.state)).toEqual(['expired']);
    expect(await plane.dataSource.manager.countBy(Domain, { tenantId })).toBe(0);
    const kinds = (await plane.dataSource.manager.findBy(Operation, { targetId: tenantId })).map((op) => `${op.kind}:${op.state}`).sort();
    expect(kinds).toEqual(['export:succeeded', 'provision:succeeded', 'purge:succeeded', 'reconcile:succeeded', 'reconcile:succeeded', 'resume:succeeded', 'suspend:succeeded', 'terminate:succeeded']);
  });
});
