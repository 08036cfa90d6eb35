import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { DockerHost, Operation, Tenant } from '#provisioning';
import { LABELS } from '#runtime';
import { ControlPlane, startControlPlane } from '#test/support/control-plane.js';
import { requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { containersOf, removeTenantObjects } from '#test/support/docker-exec.js';
import { createClub, createOperator, Session } from '#test/support/fixtures.js';

/**
 * What goes wrong: a missing image and an engine refusal end the operation failed, with
 * the reason in the engine's words and nothing half-made left; an unreachable engine is
 * retried with backoff until it answers again.
 */
describe('provisioning failures on a real Docker engine', () => {
  const engine = testEngine();
  const docker: Docker = testDocker(engine);
  const templates = mkdtempSync(join(tmpdir(), 'allmende-templates-'));
  let plane: ControlPlane;
  let operator: Session;
  const tenants: string[] = [];

  beforeAll(async () => {
    await requireImages(engine, ['allmende/prosody:0.12', 'allmende/wordpress:6.1', 'allmende/mariadb:10.11']);
    // the shipped templates, with one limit the engine refuses (it requires at least 6 MB);
    // tmpfs mounts shrunk to 1Mi each, since the loader refuses more tmpfs than memory
    cpSync(join(process.cwd(), 'templates'), templates, { recursive: true });
    const wordpress = join(templates, 'wordpress/manifest.yaml');
    const shrunk = readFileSync(wordpress, 'utf8').replace('resources: { memory: 512Mi, cpus: 1, pids: 512 }', 'resources: { memory: 4Mi, cpus: 1, pids: 512 }');
    writeFileSync(wordpress, shrunk.replace(/size: \d+Mi/g, 'size: 1Mi'));
    plane = await startControlPlane({
      ALLMENDE_TEMPLATES_DIR: templates,
      ALLMENDE_IMAGE_OVERRIDES: JSON.stringify({ 'allmende/prosody:0.12': 'allmende/never-built:1' }),
    });
    operator = await createOperator(plane);
  });

  afterAll(async () => {
    // the plane first: its reconcile loop would put back what the cleanup removes
    await plane?.close();
    for (const tenantId of tenants) await removeTenantObjects(docker, tenantId);
    rmSync(templates, { recursive: true, force: true });
  });

  async function provision(planCode: string, subdomain: string): Promise<{ tenantId: string; operationId: string }> {
    const club = await createClub(plane, `Club ${subdomain}`);
    const created = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId: club.organizationId, planCode, subdomain }).expect(201);
    tenants.push(created.body.tenant.id);
    return { tenantId: created.body.tenant.id, operationId: created.body.operation.id };
  }

  async function tenantIn(tenantId: string, state: string): Promise<Tenant> {
    for (let i = 0; i < 50; i++) {
      const tenant = await plane.dataSource.manager.findOneByOrFail(Tenant, { id: tenantId });
      if (tenant.state === state) return tenant;
      await sleep(100);
    }
    return plane.dataSource.manager.findOneByOrFail(Tenant, { id: tenantId });
  }

  async function finished(operationId: string): Promise<Operation> {
    for (let i = 0; i < 600; i++) {
      const operation = await plane.dataSource.manager.findOneByOrFail(Operation, { id: operationId });
      if (operation.state === 'succeeded' || operation.state === 'failed') return operation;
      await sleep(200);
    }
    throw new Error('operation did not finish');
  }

  it('fails on a missing image before creating anything, naming the image and the host', async () => {
    const { tenantId, operationId } = await provision('chat', 'no-image');
    const operation = await finished(operationId);
    expect(operation.state).toBe('failed');
    expect(operation.error).toMatch(/Image\(s\) not on Docker host local: allmende\/never-built:1/);
    expect(operation.steps.find((step) => step.name === 'images')).toMatchObject({ state: 'failed' });
    // the runner records the failed operation, then moves the tenant
    const tenant = await tenantIn(tenantId, 'failed');
    expect(tenant.state).toBe('failed');
    expect(tenant.failureReason).toContain('allmende/never-built:1');
    expect(await containersOf(docker, tenantId)).toEqual([]);
    expect((await docker.listVolumes({ filters: { label: [`${LABELS.tenant}=${tenantId}`] } })).Volumes ?? []).toEqual([]);
  });

  it("fails with the engine's own message on a refusal, and leaves no half-made containers", async () => {
    const { tenantId, operationId } = await provision('website', 'refused');
    const operation = await finished(operationId);
    expect(operation.state).toBe('failed');
    expect(operation.error).toContain('Minimum memory limit allowed is 6MB');
    expect((await tenantIn(tenantId, 'failed')).state).toBe('failed');
    // the database container (created and healthy before web was refused) may stay, labelled; web never half-exists
    const containers = await containersOf(docker, tenantId);
    expect(containers.map((c) => c.Names[0])).not.toContain('/alm-refused-wordpress-web');
    for (const container of containers) expect(container.Labels[LABELS.managed]).toBe('true');
    // nothing unlabelled with the tenant's names
    const named = await docker.listContainers({ all: true, filters: { name: ['alm-refused-'] } });
    expect(named.every((c) => c.Labels[LABELS.tenant] === tenantId)).toBe(true);
  });

  it('waits while the engine is unreachable (without using up retries) and finishes once it answers again', async () => {
    const host = await plane.dataSource.manager.findOneByOrFail(DockerHost, { name: 'local' });
    await plane.dataSource.manager.update(DockerHost, host.id, { endpoint: 'unix:///run/allmende-engine-that-is-down.sock' });
    const club = await createClub(plane, 'Patient Club');
    const created = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId: club.organizationId, planCode: 'chat', subdomain: 'patient', versions: { prosody: '0.12' } }).expect(201);
    tenants.push(created.body.tenant.id);

    let operation: Operation;
    for (;;) {
      operation = await plane.dataSource.manager.findOneByOrFail(Operation, { id: created.body.operation.id });
      if (operation.error?.startsWith('waiting:')) break;
      expect(operation.state).not.toBe('failed');
      await sleep(200);
    }
    expect(operation.error).toContain('no Docker engine answers at unix:///run/allmende-engine-that-is-down.sock');
    expect(operation.state).toBe('running');

    // the engine "comes back" (the image override makes prosody unbuildable here, so expect the image step to decide)
    await plane.dataSource.manager.update(DockerHost, host.id, { endpoint: engine.endpoint });
    const done = await finished(created.body.operation.id);
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(done.error).toMatch(/allmende\/never-built:1/); // it reached the engine and got its real answer
  });
});
