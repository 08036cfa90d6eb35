import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { Not } from 'typeorm';
import { SYSTEM_ACTOR } from '#domain';
import { AdminCredential, DockerHost, isTransient, MAX_AUTOMATIC_RETRIES, Operation, ProvisioningMaintenance, Tenant, TenantDeployments, TenantsService, WAITING_FOR_SERVERS } from '#provisioning';
import { ContainerRuntime, LABELS, RuntimeError } from '#runtime';
import { ControlPlane, startControlPlane } from '#test/support/control-plane.js';
import { requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { containersOf, dockerExec, removeTenantObjects } from '#test/support/docker-exec.js';
import { createClub, createOperator, Session } from '#test/support/fixtures.js';

const MiB = 1024 * 1024;

/**
 * What the engine really does, not what was last recorded: limits changed behind Allmende's
 * back are found and set back, a restarted service is degraded for operator and club, an
 * operator can force a recreate, helpers of an interrupted export go, an exec into a stopped
 * or restarted container is a transient failure, and a missing engine is waited for.
 */
describe('live engine state on a real Docker engine', () => {
  const engine = testEngine();
  const docker: Docker = testDocker(engine);
  let plane: ControlPlane;
  let operator: Session;
  let owner: Session;
  let tenantId: string;
  let maintenance: ProvisioningMaintenance;
  const tenants: string[] = [];

  const container = async () => {
    const [found] = await containersOf(docker, tenantId);
    return docker.getContainer(found.Id);
  };
  const details = async () => (await plane.http().get(`/api/v1/tenants/${tenantId}`).set(owner.auth).expect(200)).body;

  beforeAll(async () => {
    await requireImages(engine, ['allmende/prosody:0.12', 'allmende/busybox:1']);
    plane = await startControlPlane();
    operator = await createOperator(plane);
    maintenance = plane.worker.get(ProvisioningMaintenance);
    const club = await createClub(plane, 'Live State Club');
    owner = club.owner;
    const created = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId: club.organizationId, planCode: 'chat', subdomain: 'live-state' }).expect(201);
    tenantId = created.body.tenant.id;
    tenants.push(tenantId);
    await plane.waitForOperation(created.body.operation.id);
    await dockerExec(docker, (await container()).id, ['sh', '-c', 'echo "members list" > /var/lib/prosody/allmende-marker']);
  });

  afterAll(async () => {
    // the plane first: its reconcile loop would put back what the cleanup removes
    await plane?.close();
    for (const id of tenants) await removeTenantObjects(docker, id);
  });

  it('is healthy after provisioning, and says so with a fresh check time', async () => {
    const before = new Date();
    expect(await maintenance.detectDrift()).toEqual([]);
    const tenant = await details();
    expect(tenant.health).toBe('healthy');
    expect(tenant.services[0]).toMatchObject({ health: 'healthy', healthDetail: null });
    expect(new Date(tenant.services[0].healthCheckedAt).getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
  });

  it("finds a memory limit changed behind Allmende's back (docker update) and sets it back in place", async () => {
    const target = await container();
    await target.update({ Memory: 300 * MiB, MemorySwap: 300 * MiB });
    const [reconcileId] = await maintenance.detectDrift();
    expect(reconcileId).toBeDefined();
    const reconcile = await plane.waitForOperation(reconcileId);
    expect(reconcile.steps.find((step) => step.name === 'compare')?.message).toBe('alm-live-state-prosody-prosody resource limits changed outside Allmende');
    const info = await target.inspect(); // the same container: updated, not recreated
    expect(info.HostConfig.Memory).toBe(256 * MiB);
    expect(info.HostConfig.MemorySwap).toBe(256 * MiB);
    expect(info.State.Running).toBe(true);
    expect(await maintenance.detectDrift()).toEqual([]);
  });

  it('shows a service the engine had to restart as degraded, with the reason, to the operator and the club', async () => {
    const target = await container();
    // prosody crashes: its process dies outside Docker's API (as a crash would), so the restart policy brings it back
    const { State } = await target.inspect();
    expect(State.Pid).toBeGreaterThan(1);
    process.kill(State.Pid, 'SIGKILL');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const info = await target.inspect();
      if (info.RestartCount >= 1 && info.State.Running) break;
      if (Date.now() > deadline) throw new Error(`the engine did not restart it: ${JSON.stringify(info.State)}`);
      await sleep(200);
    }
    expect(await maintenance.detectDrift()).toEqual([]); // nothing to repair: the engine did
    const tenant = await details();
    expect(tenant.state).toBe('active');
    expect(tenant.health).toBe('degraded');
    expect(tenant.services[0].health).toBe('degraded');
    expect(tenant.services[0].healthDetail).toMatch(/^prosody was restarted by the engine at .* \(1 restart\)$/);
  });

  it('lets an operator (and nobody else) force a recreate: new containers, same data, same admin', async () => {
    const before = (await container()).id;
    await plane.http().post(`/api/v1/tenants/${tenantId}/recreate`).set(owner.auth).expect(403);
    const response = await plane.http().post(`/api/v1/tenants/${tenantId}/recreate`).set(operator.auth).expect(201);
    expect(response.body.steps.map((step: { name: string }) => step.name)).toEqual(['remove', 'deploy', 'health']);
    await plane.waitForOperation(response.body.id);
    const after = await container();
    expect(after.id).not.toBe(before);
    expect((await dockerExec(docker, after.id, ['cat', '/var/lib/prosody/allmende-marker'])).stdout).toBe('members list\n');
    expect(await plane.dataSource.manager.countBy(AdminCredential, { tenantId })).toBe(1);
    await maintenance.detectDrift();
    expect((await details()).health).toBe('healthy'); // a new container has no restarts
  });

  it('removes the helper container an interrupted export left behind', async () => {
    const helper = await docker.createContainer({
      name: `alm-volume-helper-leftover-${Date.now()}`,
      Image: 'allmende/busybox:1',
      Cmd: ['true'],
      Labels: { [LABELS.managed]: 'true', [LABELS.tenant]: tenantId, [LABELS.role]: 'volume-helper' },
    });
    await maintenance.detectDrift();
    await expect(helper.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('treats an exec into a stopped container (409) and a hook cut off by a restart as transient', async () => {
    const runtime = plane.worker.get(ContainerRuntime);
    const host = await plane.dataSource.manager.findOneByOrFail(DockerHost, { name: 'local' });
    const [app] = await plane.worker.get(TenantDeployments).load(await plane.dataSource.manager.findOneByOrFail(Tenant, { id: tenantId }));
    const name = app.plan.containers[0].name;

    // a hook running while the engine restarts the container ends with 137: interrupted, not failed
    const slow = { name: 'slow', service: 'prosody', argv: ['sleep', '60'], timeoutSeconds: 120, acceptExitCodes: [] };
    const running = runtime.runHook(host, app.plan, slow).then(
      () => undefined,
      (error: unknown) => error,
    );
    await sleep(1500);
    await (await container()).restart({ t: 0 });
    const interrupted = await running;
    expect(interrupted).toBeInstanceOf(RuntimeError);
    expect(`${(interrupted as RuntimeError).code}: ${(interrupted as Error).message}`).toMatch(/^runtime.interrupted: /);
    expect(isTransient(interrupted)).toBe(true);

    const target = await container();
    await target.stop({ t: 1 });
    const refused = await runtime.exec(host, name, ['true']).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(String((refused as Error).message)).toMatch(/is not running/);
    expect(isTransient(refused)).toBe(true);
    await target.start();
  });

  it('provisions again, by itself and bounded, a tenant whose provisioning failed for a cause that may pass', async () => {
    const club = await createClub(plane, 'Retry Club');
    const tenantsService = plane.app.get(TenantsService);
    /** A tenant as provisioning leaves it after `failures` transient failures, the last ten minutes ago. */
    const failedTenant = async (subdomain: string, failures: number) => {
      const tenant = await tenantsService.create({ organizationId: club.organizationId, planCode: 'chat', subdomain }, SYSTEM_ACTOR('test'));
      tenants.push(tenant.id);
      await plane.dataSource.manager.update(Tenant, tenant.id, { state: 'failed', failureReason: 'Docker engine: start container failed: socket hang up' });
      for (let i = 0; i < failures; i++) {
        await plane.dataSource.manager.save(
          plane.dataSource.manager.create(Operation, {
            kind: 'provision', targetType: 'tenant', targetId: tenant.id, organizationId: club.organizationId, requestedBy: null, state: 'failed',
            error: 'Docker engine: start container failed: socket hang up', failureKind: 'transient', attempts: 9, steps: [], finishedAt: new Date(Date.now() - 600_000),
          }),
        );
      }
      return tenant.id;
    };
    const once = await failedTenant('auto-retry', 1);
    const exhausted = await failedTenant('auto-retry-spent', MAX_AUTOMATIC_RETRIES + 1);
    await maintenance.retryTransientFailures(); // (the worker's own loop may have been quicker: the count below holds either way)
    const retried = await plane.dataSource.manager.find(Operation, { where: { targetId: once, kind: 'provision', state: Not('failed') } });
    expect(retried).toHaveLength(1);
    expect(await plane.dataSource.manager.countBy(Operation, { targetId: exhausted, kind: 'provision', state: Not('failed') })).toBe(0);
    await plane.waitForOperation(retried[0].id);
    expect((await plane.dataSource.manager.findOneByOrFail(Tenant, { id: once })).state).toBe('active');
    expect((await plane.dataSource.manager.findOneByOrFail(Tenant, { id: exhausted })).state).toBe('failed'); // a person decides now
    expect(await maintenance.retryTransientFailures()).toEqual([]);
  });

  it('waits for an engine that does not answer without using up retries, telling club and operator, and goes on when it is back', async () => {
    const host = await plane.dataSource.manager.findOneByOrFail(DockerHost, { name: 'local' });
    await plane.dataSource.manager.update(DockerHost, host.id, { endpoint: 'unix:///run/allmende-live-state-no-engine.sock' });
    try {
      const club = await createClub(plane, 'Waiting Club');
      const created = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId: club.organizationId, planCode: 'chat', subdomain: 'waiting' }).expect(201);
      tenants.push(created.body.tenant.id);
      const operationId: string = created.body.operation.id;
      const deadline = Date.now() + 60_000;
      let operation: Operation;
      for (;;) {
        operation = await plane.dataSource.manager.findOneByOrFail(Operation, { id: operationId });
        if (operation.error?.startsWith('waiting:')) break;
        if (Date.now() > deadline) throw new Error(`not waiting: ${JSON.stringify(operation)}`);
        await sleep(200);
      }
      expect(operation.error).toBe('waiting: no Docker engine answers at unix:///run/allmende-live-state-no-engine.sock (host local); set DOCKER_HOST or ALLMENDE_DOCKER_HOSTS, or change the host\'s endpoint');
      expect(operation.steps.some((step) => step.message === WAITING_FOR_SERVERS)).toBe(true);
      const ready = await plane.http().get('/readyz').expect(503);
      expect(ready.body.checks.dockerHosts.local).toMatchObject({ status: 'down', hint: expect.stringContaining('set DOCKER_HOST or ALLMENDE_DOCKER_HOSTS') });

      // several checks later: still waiting, no retry used, at most the one attempt that found the engine gone
      await sleep(8000);
      operation = await plane.dataSource.manager.findOneByOrFail(Operation, { id: operationId });
      expect(operation.state).not.toBe('failed');
      expect(operation.attempts).toBeLessThanOrEqual(1);
      const [{ retries }] = await plane.dataSource.query(`select coalesce(max(retry_count), 0) as retries from pgboss.job where data->>'operationId' = $1`, [operationId]);
      expect(Number(retries)).toBe(0);
    } finally {
      await plane.dataSource.manager.update(DockerHost, host.id, { endpoint: engine.endpoint });
    }
    const [waiting] = await plane.dataSource.manager.find(Operation, { where: { kind: 'provision' }, order: { createdAt: 'DESC' }, take: 1 });
    const done = await plane.waitForOperation(waiting.id, 120_000);
    expect(done.error).toBeNull();
  });
});
