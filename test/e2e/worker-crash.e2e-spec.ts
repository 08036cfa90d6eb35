import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { AdminCredential, Operation } from '#provisioning';
import { AuditEvent } from '#domain';
import { ApiHarness, startApiHarness } from '#test/support/api-harness.js';
import { requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { containersOf, removeTenantObjects } from '#test/support/docker-exec.js';
import { Club, createClub, createOperator, Session } from '#test/support/fixtures.js';
import { xmppLoginIn } from '#test/support/backups.js';

/**
 * The worker is killed (SIGKILL, no chance to clean up) inside every step of a
 * provisioning, and started again each time. The tenant must end active with exactly
 * one set of containers, one admin account and one audit entry for becoming active.
 */
describe('provisioning survives the worker being killed at every step', () => {
  const engine = testEngine();
  const docker: Docker = testDocker(engine);
  let harness: ApiHarness;
  let operator: Session;
  let worker: ChildProcess | undefined;
  let workerLog = '';
  let tenantId: string | undefined;
  let club: Club;

  const env = () => ({
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: harness.db.url,
    ALLMENDE_DATA_DIR: harness.config.dataDir,
    ALLMENDE_SECRET_KEY: harness.config.secretKey.toString('base64'),
    ALLMENDE_DOCKER_HOSTS: `local=${engine.endpoint}`,
    // each step is held for a moment so the test can kill the worker inside it
    ALLMENDE_DRILL_STEP_PAUSE_MS: '1200',
  });

  const startWorker = () => {
    worker = spawn(process.execPath, [join(process.cwd(), 'dist/apps/worker/src/main.js')], { env: env() });
    worker.stdout!.on('data', (chunk) => (workerLog += chunk));
    worker.stderr!.on('data', (chunk) => (workerLog += chunk));
  };

  const killWorker = async () => {
    const exited = new Promise((resolve) => worker!.once('exit', resolve));
    worker!.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    await requireImages(engine, ['allmende/prosody:0.12', 'allmende/prosody:13', 'allmende/restic:0.18']);
    harness = await startApiHarness({ ALLMENDE_DOCKER_HOSTS: `local=${engine.endpoint}` });
    operator = await createOperator(harness);
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null) await killWorker();
    if (tenantId) await removeTenantObjects(docker, tenantId);
    await harness?.close();
  });

  /** Kills the worker once inside each step of the operation as it reaches it, starting a fresh one each time. */
  const killInEveryStep = async (operationId: string, stepNames: string[]): Promise<string[]> => {
    const operation = () => harness.dataSource.manager.findOneByOrFail(Operation, { id: operationId });
    const killedIn: string[] = [];
    for (const step of stepNames) {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const current = await operation();
        if (current.state === 'failed') throw new Error(`failed: ${current.error}\n${workerLog}`);
        if (current.steps.find((s) => s.name === step)?.state === 'running') break;
        if (Date.now() > deadline) throw new Error(`step ${step} never ran: ${JSON.stringify(current.steps)}\n${workerLog}`);
        await sleep(50);
      }
      await killWorker();
      killedIn.push(step);
      startWorker();
    }
    return killedIn;
  };

  const waitForSuccess = async (operationId: string): Promise<Operation> => {
    const deadline = Date.now() + 180_000;
    let finished = await harness.dataSource.manager.findOneByOrFail(Operation, { id: operationId });
    while (finished.state !== 'succeeded' && Date.now() < deadline) {
      if (finished.state === 'failed') throw new Error(`failed: ${finished.error}\n${workerLog}`);
      await sleep(200);
      finished = await harness.dataSource.manager.findOneByOrFail(Operation, { id: operationId });
    }
    return finished;
  };

  it('ends with one tenant, one set of containers and one admin', async () => {
    club = await createClub(harness, 'Crash Test Club');
    const created = await harness.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId: club.organizationId, planCode: 'chat', subdomain: 'crash-test' }).expect(201);
    tenantId = created.body.tenant.id;
    const operationId: string = created.body.operation.id;
    const stepNames: string[] = created.body.operation.steps.map((step: { name: string }) => step.name);

    startWorker();
    expect(await killInEveryStep(operationId, stepNames)).toEqual(stepNames);
    const finished = await waitForSuccess(operationId);
    expect(finished.state).toBe('succeeded');
    expect(finished.attempts).toBeGreaterThanOrEqual(stepNames.length + 1);

    const tenant = (await harness.http().get(`/api/v1/tenants/${tenantId}`).set(club.owner.auth).expect(200)).body;
    expect(tenant.state).toBe('active');
    const containers = await containersOf(docker, tenantId!);
    expect(containers.map((c) => c.Names[0])).toEqual(['/alm-crash-test-prosody-prosody']);
    expect(containers[0].State).toBe('running');
    expect(tenant.services[0].state).toBe('running');
    expect(Object.values((await harness.dataSource.query('select containers from service_instance where tenant_id = $1', [tenantId]))[0].containers)).toEqual([containers[0].Id]);
    const volumes = (await docker.listVolumes({ filters: { label: [`allmende.tenant=${tenantId}`] } })).Volumes ?? [];
    expect(volumes.map((v) => v.Name)).toEqual(['alm-crash-test-prosody-data']);
    expect(await docker.listNetworks({ filters: { label: [`allmende.tenant=${tenantId}`] } })).toHaveLength(1);
    expect(await harness.dataSource.manager.countBy(AdminCredential, { tenantId })).toBe(1);
    expect(await harness.dataSource.manager.countBy(AuditEvent, { targetId: tenantId, action: 'tenant.active' })).toBe(1);
    // a kill and a fresh worker per step (eight of them, the edge's publish among them): more than the default two minutes on a busy machine
  }, 420_000);

  it('upgrades 0.12 -> 13.0 with the worker killed in every step: the tenant ends on exactly one version, its admin still logs in', async () => {
    const started = await harness.http().post(`/api/v1/tenants/${tenantId}/upgrades`).set(operator.auth).send({ app: 'prosody', to: '13.0' }).expect(201);
    const stepNames: string[] = started.body.steps.map((step: { name: string }) => step.name);
    if (!worker || worker.exitCode !== null) startWorker();
    expect(await killInEveryStep(started.body.id, stepNames)).toEqual(stepNames);
    const finished = await waitForSuccess(started.body.id);
    expect(finished.state).toBe('succeeded');
    expect(finished.steps.find((step) => step.name === 'rollback')?.message).toBe('not needed');

    const containers = await containersOf(docker, tenantId!);
    expect(containers.map((c) => [c.Names[0], c.Image, c.State])).toEqual([['/alm-crash-test-prosody-prosody', 'allmende/prosody:13', 'running']]);
    const [instance] = await harness.dataSource.query('select version, containers from service_instance where tenant_id = $1', [tenantId]);
    expect(instance.version).toBe('13.0');
    expect(Object.values(instance.containers)).toEqual([containers[0].Id]);
    const backups = await harness.dataSource.query(`select state from backup where tenant_id = $1 and kind = 'pre-upgrade'`, [tenantId]);
    expect(backups.map((b: { state: string }) => b.state)).toContain('succeeded');
    const [credential] = (await harness.http().post(`/api/v1/tenants/${tenantId}/credentials/reveal`).set(club.owner.auth).expect(200)).body;
    expect(await xmppLoginIn(engine.endpoint, containers[0].Id, 'crash-test.allmende.localhost', 'admin', credential.password)).toBe(true);
  }, 420_000);
});
