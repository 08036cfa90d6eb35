import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { freePort } from '#platform';
import { WAITING_FOR_SERVERS } from '#provisioning';
import { dockerOptions } from '#runtime/docker';
import { removeTenantObjects } from '#test/support/docker-exec.js';
import { alive, chaosEngine, chaosEngineScript, CLI, NpmStart, query, readPid, recordFault, ROOT, waitFor } from './chaos-support.js';

/**
 * The chaos tier: a whole control plane as `npm start` runs it (launcher, embedded Postgres,
 * api, worker) on a private Docker engine of its own, and faults injected for real: kill -9 of
 * the worker, of Postgres and of the launcher, a crash-looping worker, the engine stopped and
 * started, a container that runs out of memory again and again, SIGTERM to npm. After each
 * fault it must converge with no human, with nothing lost and nothing done twice; the time it
 * took is recorded for the table the tier prints at the end.
 */
const FAULT_TIMEOUT = 240_000;

const MEMHOG_TEMPLATE = `# A service that needs more memory than its limit, again and again (chaos tier only).
app: memhog
name: Memory hog
description: Allocates past its memory limit a few seconds after each start.
versions:
  - version: "1"
    default: true
    images:
      hog: allmende/busybox:1
secrets:
  - { name: admin_password, kind: random, length: 24, alphabet: readable }
admin:
  defaultUsername: admin
  username: admin
  loginUrl: "http://{{ domains.primary }}/"
  passwordSecret: admin_password
services:
  hog:
    command: [sh, -c, "sleep 2; exec tail /dev/zero"]
    resources: { memory: 16Mi, cpus: 0.2, pids: 32 }
    restart: unless-stopped
hooks:
  firstStart: []
  backup: []
  upgrade: []
`;

const PLANS = `plans:
  - code: chat
    name: Chat
    description: Prosody
    apps: [prosody]
    price: { amount: 400, currency: EUR, interval: month }
  - code: memhog
    name: Memory hog
    description: Runs out of memory
    apps: [memhog]
    price: { amount: 100, currency: EUR, interval: month }
`;

describe('chaos: faults injected for real, convergence measured', () => {
  const endpoint = chaosEngine();
  const docker = new Docker(dockerOptions(endpoint));
  const work = mkdtempSync(join(tmpdir(), 'allmende-chaos-plane-'));
  const dataDir = join(work, 'data');
  const runDir = join(dataDir, 'run');
  const tenants: string[] = [];
  let port: number;
  let env: NodeJS.ProcessEnv;
  let npm: NpmStart | undefined;
  let auth: { Authorization: string };
  let organizationId: string;

  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(url(path), { method, headers: { ...auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  const pidOf = (name: string) => readPid(join(runDir, `${name}.pid`));
  /** The first line of Postgres' own pid file. */
  const postmasterPid = () => {
    try {
      const pid = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
      return pid > 1 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const operation = async (id: string) => (await query<{ state: string; error: string | null; attempts: number; steps: { name: string; state: string; message?: string }[] }>(dataDir, 'select state, error, attempts, steps from operation where id = $1', [id]))[0];
  const stepRunning = (name: string) => async (id: string) => (await operation(id))?.steps.find((step) => step.name === name)?.state === 'running';
  const succeeded = async (id: string, timeoutMs = 180_000) =>
    waitFor(`operation ${id} to succeed`, async () => {
      const current = await operation(id);
      if (current?.state === 'failed') throw Object.assign(new Error(`operation failed: ${current.error}\n${npm?.tail()}`), { fatal: true });
      return current?.state === 'succeeded' && current;
    }, timeoutMs, 300).catch((error) => {
      throw new Error(`${error.message}\n--- launcher output ---\n${npm?.tail(60)}`);
    });

  async function startPlane(): Promise<number> {
    const started = Date.now();
    npm = new NpmStart(work, env);
    await waitFor('the control plane to answer /readyz with 200', async () => (await fetch(url('/readyz')).then((r) => r.status, () => 0)) === 200, 180_000, 300).catch((error) => {
      throw new Error(`${error.message}\n${npm?.tail(60)}`);
    });
    return Date.now() - started;
  }

  async function provision(subdomain: string, planCode = 'chat'): Promise<{ tenantId: string; operationId: string }> {
    const response = await api('POST', '/api/v1/tenants', { organizationId, planCode, subdomain });
    expect(response.status).toBe(201);
    tenants.push(response.body.tenant.id);
    return { tenantId: response.body.tenant.id, operationId: response.body.operation.id };
  }

  /** One set of running containers, one admin, one "became active": nothing lost, nothing twice. */
  async function expectProvisionedOnce(tenantId: string, containerName: string): Promise<void> {
    const containers = await docker.listContainers({ all: true, filters: { label: [`allmende.tenant=${tenantId}`] } });
    expect(containers.map((c) => `${c.Names[0]} ${c.State}`)).toEqual([`/${containerName} running`]);
    const [counts] = await query<{ admins: string; activations: string; tenant: string; stuck: string }>(
      dataDir,
      `select (select count(*) from admin_credential where tenant_id = $1::uuid) as admins,
              (select count(*) from audit_event where target_id::text = $1::text and action = 'tenant.active') as activations,
              (select state from tenant where id = $1::uuid) as tenant,
              (select count(*) from pgboss.job j join operation o on o.id::text = j.data->>'operationId'
                where o.target_id = $1::uuid and j.state in ('created', 'retry', 'active')) as stuck`,
      [tenantId],
    );
    expect(counts).toEqual({ admins: '1', activations: '1', tenant: 'active', stuck: '0' });
  }

  beforeAll(async () => {
    chmodSync(work, 0o755);
    const templates = join(work, 'templates');
    cpSync(join(ROOT, 'templates'), templates, { recursive: true });
    mkdirSync(join(templates, 'memhog'));
    writeFileSync(join(templates, 'memhog', 'manifest.yaml'), MEMHOG_TEMPLATE);
    writeFileSync(join(templates, 'plans.yaml'), PLANS);
    port = await freePort();
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      ALLMENDE_DATA_DIR: dataDir,
      ALLMENDE_EMBEDDED_PG_PORT: String(await freePort()),
      ALLMENDE_DOCKER_HOSTS: `chaos=${endpoint}`,
      ALLMENDE_TEMPLATES_DIR: templates,
      ALLMENDE_PLANS_FILE: join(templates, 'plans.yaml'),
      ALLMENDE_RECONCILE_INTERVAL_SECONDS: '5',
      ALLMENDE_WORKER_CONCURRENCY: '4',
      // the edge runs on the chaos engine too; its ports and the tenants' are chosen apart from other tests'
      ALLMENDE_EDGE_HTTP_PORT: String(await freePort()),
      ALLMENDE_EDGE_HTTPS_PORT: String(await freePort()),
      ALLMENDE_TENANT_PORTS: '59000-59499',
      // every step is held a moment, so faults land inside the step they aim at
      ALLMENDE_DRILL_STEP_PAUSE_MS: '500',
    };
    const booted = await startPlane();
    const created = spawnSync(process.execPath, [CLI, 'operator:create', '--email', 'chaos-operator@coop.example'], { env, encoding: 'utf8', timeout: 120_000 });
    const password = /password \(shown once[^:]*\): (\S+)/.exec(created.stdout)?.[1];
    if (!password) throw new Error(`operator:create printed no password: ${created.stderr}`);
    const login = await fetch(url('/api/v1/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'chaos-operator@coop.example', password }) });
    auth = { Authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
    const club = await api('POST', '/api/v1/organizations', { name: 'Chaos Club', contactEmail: 'board@chaos.example', owner: { email: 'board@chaos.example' } });
    expect(club.status).toBe(201);
    organizationId = club.body.organization.id;
    process.stdout.write(`chaos: control plane up in ${(booted / 1000).toFixed(1)} s\n`);
  }, 400_000);

  afterAll(async () => {
    if (npm && npm.process.exitCode === null && npm.process.signalCode === null) {
      npm.process.kill('SIGTERM');
      await Promise.race([npm.exited(), sleep(40_000)]);
    }
    spawnSync(process.execPath, [CLI, 'db:stop'], { env, timeout: 60_000 });
    for (const tenantId of tenants) await removeTenantObjects(docker, tenantId).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }, 180_000);

  it('kill -9 of the worker inside a provisioning: the launcher restarts it and the provisioning resumes, once', async () => {
    const { tenantId, operationId } = await provision('chaos-worker');
    await waitFor('the deploy step', () => stepRunning('deploy')(operationId), 120_000, 100);
    const worker = pidOf('worker')!;
    const killedAt = Date.now();
    process.kill(worker, 'SIGKILL');
    await succeeded(operationId);
    const converged = Date.now() - killedAt;
    expect(pidOf('worker')).not.toBe(worker);
    expect((await operation(operationId)).attempts).toBeGreaterThanOrEqual(2);
    await expectProvisionedOnce(tenantId, 'alm-chaos-worker-prosody-prosody');
    recordFault('kill -9 worker (in the deploy step)', `launcher restarted it; recovery cancelled the dead job and resumed the step (attempt ${(await operation(operationId)).attempts}); one container, one admin`, converged);
  }, FAULT_TIMEOUT);

  it('kill -9 of the embedded Postgres inside a provisioning: restarted by the launcher, 503 + Retry-After meanwhile, nothing lost', async () => {
    const before = await api('POST', '/api/v1/organizations', { name: 'Written Before The Crash', contactEmail: 'board@before.example', owner: { email: 'board@before.example' } });
    expect(before.status).toBe(201);
    const { tenantId, operationId } = await provision('chaos-postgres');
    await waitFor('the deploy step', () => stepRunning('deploy')(operationId), 120_000, 100);
    const postmaster = postmasterPid()!;
    const riders = { api: pidOf('api'), worker: pidOf('worker') };
    const killedAt = Date.now();
    process.kill(postmaster, 'SIGKILL');

    const seen = { json: false, html: false, retryAfter: '' };
    const probe = async () => {
      const json = await fetch(url('/api/v1/plans')).catch(() => undefined);
      if (json?.status === 503) {
        seen.json = true;
        seen.retryAfter = json.headers.get('retry-after') ?? '';
        const page = await fetch(url('/'), { headers: { accept: 'text/html' } }).catch(() => undefined);
        if (page?.status === 503 && /Back in a moment/.test(await page.text())) seen.html = true;
      }
      return json?.status;
    };
    // a backend outlives its killed postmaster for a moment and may still answer a query: first
    // the outage as the API tells it, then its end
    await waitFor('the API to say the database is away', async () => (await probe(), seen.json && seen.html), 30_000, 50).catch(() => undefined);
    await waitFor('the API to answer 200 again', async () => (await probe()) === 200, 120_000, 100);
    const apiBack = Date.now() - killedAt;
    expect(seen).toEqual({ json: true, html: true, retryAfter: '5' });
    await succeeded(operationId);
    const converged = Date.now() - killedAt;
    expect(postmasterPid()).not.toBe(postmaster);
    expect({ api: pidOf('api'), worker: pidOf('worker') }).toEqual(riders); // they rode it out: not restarted
    expect((await query(dataDir, 'select 1 from organization where id = $1', [before.body.organization.id])).length).toBe(1);
    await expectProvisionedOnce(tenantId, 'alm-chaos-postgres-prosody-prosody');
    recordFault('kill -9 embedded Postgres (in the deploy step)', `launcher restarted it; API 503 + Retry-After (HTML page for browsers) for ${(apiBack / 1000).toFixed(1)} s; api and worker rode it out (same pids); provisioning finished once; earlier writes kept`, converged);
  }, FAULT_TIMEOUT);

  it('a crash-looping worker: started again after growing pauses and reported, while the API keeps answering', async () => {
    const killedAt = Date.now();
    const pauses: number[] = [];
    let api503 = 0;
    for (let crash = 0; crash < 3; crash++) {
      const pid = await waitFor('a worker process', async () => pidOf('worker'), 90_000, 50);
      const diedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      await waitFor('the next worker', async () => (pidOf('worker') ?? pid) !== pid && pidOf('worker'), 90_000, 50);
      pauses.push(Date.now() - diedAt);
      if ((await fetch(url('/api/v1/plans')).then((r) => r.status, () => 0)) !== 200) api503++;
    }
    const status = (await fetch(url('/readyz')).then((r) => r.json())) as { processes: Record<string, { crashesInARow: number; state: string }> };
    expect(status.processes.worker.crashesInARow).toBeGreaterThanOrEqual(3);
    expect(api503).toBe(0);
    expect(pauses[1]).toBeGreaterThan(pauses[0]);
    expect(pauses[2]).toBeGreaterThan(pauses[1]);
    expect(npm!.output).toMatch(/worker keeps crashing \(3 times in a row/);
    await waitFor('the worker to run again', async () => {
      const readyz = (await fetch(url('/readyz')).then((r) => r.json())) as { processes: Record<string, { state: string }> };
      return readyz.processes.worker.state === 'running';
    }, 120_000, 300);
    recordFault('worker crash loop (3 × kill -9)', `restarted after ${pauses.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}; reported in /readyz and the log; API answered 200 throughout`, Date.now() - killedAt);
  }, FAULT_TIMEOUT);

  it('the Docker engine stopped inside a provisioning and started again: the operation waits, says why, and finishes', async () => {
    const { tenantId, operationId } = await provision('chaos-engine');
    await waitFor('the deploy step', () => stepRunning('deploy')(operationId), 120_000, 100);
    const stoppedAt = Date.now();
    chaosEngineScript('stop');
    const waiting = await waitFor('the operation to wait for the engine', async () => {
      const current = await operation(operationId);
      return current.error?.startsWith('waiting: no Docker engine answers at') && current;
    }, 120_000, 300);
    expect(waiting.steps.some((step) => step.message === WAITING_FOR_SERVERS)).toBe(true);
    const readyz = await fetch(url('/readyz'));
    expect(readyz.status).toBe(503);
    expect(((await readyz.json()) as { checks: { dockerHosts: Record<string, { hint: string }> } }).checks.dockerHosts.chaos.hint).toContain('set DOCKER_HOST or ALLMENDE_DOCKER_HOSTS');
    const retriesOf = async () =>
      (await query<{ retries: number }>(dataDir, `select coalesce(max(retry_count), 0)::int as retries from pgboss.job where data->>'operationId' = $1`, [operationId]))[0].retries;
    const whileAway = { attempts: (await operation(operationId)).attempts, retries: await retriesOf() };
    await sleep(6000); // several checks while it is away: none counts as an attempt or uses a retry
    expect({ attempts: (await operation(operationId)).attempts, retries: await retriesOf() }).toEqual(whileAway);

    chaosEngineScript('start');
    const backAt = Date.now();
    await succeeded(operationId);
    const converged = Date.now() - backAt;
    await expectProvisionedOnce(tenantId, 'alm-chaos-engine-prosody-prosody');
    // the tenants that ran before run again (their restart policy, or the reconcile loop)
    for (const [id, name] of [[tenants[0], 'alm-chaos-worker-prosody-prosody'], [tenants[1], 'alm-chaos-postgres-prosody-prosody']]) {
      await waitFor(`${name} to run again`, async () => (await docker.listContainers({ filters: { label: [`allmende.tenant=${id}`] } })).some((c) => c.Names[0] === `/${name}` && c.State === 'running'), 120_000, 500);
    }
    // a stopping engine may still answer a call with a 500 (one ordinary retry); waiting for it uses none
    const retries = await retriesOf();
    expect(retries).toBeLessThanOrEqual(1);
    recordFault(
      'Docker engine stopped and started (in the deploy step)',
      `the operation waited ${((backAt - stoppedAt) / 1000).toFixed(0)} s saying "${WAITING_FOR_SERVERS}"; /readyz named the socket; ${retries} retr${retries === 1 ? 'y' : 'ies'} used (the stopping engine's own 500s), none while waiting; finished once the engine was back`,
      converged,
    );
  }, FAULT_TIMEOUT);

  it('a container that runs out of memory again and again: unhealthy (or degraded) with the reason, for operator and club', async () => {
    const { tenantId, operationId } = await provision('chaos-memhog', 'memhog');
    await succeeded(operationId);
    const provisionedAt = Date.now();
    const service = await waitFor('the reconcile loop to see the OOM kills', async () => {
      const details = await api('GET', `/api/v1/tenants/${tenantId}`);
      const [hog] = details.body.services as { health: string; healthDetail: string | null }[];
      return ['unhealthy', 'degraded'].includes(hog.health) && /out-of-memory/.test(hog.healthDetail ?? '') && { ...hog, tenant: details.body };
    }, 120_000, 500);
    const converged = Date.now() - provisionedAt;
    expect(service.tenant.state).toBe('active');
    expect(service.tenant.health).toBe(service.health);
    const [info] = await docker.listContainers({ all: true, filters: { label: [`allmende.tenant=${tenantId}`] } });
    const inspected = await docker.getContainer(info.Id).inspect();
    expect(inspected.State.OOMKilled || inspected.RestartCount > 0).toBe(true);
    recordFault('container OOM-looping (16 MiB limit)', `service ${service.health}: "${service.healthDetail}"; the tenant shows it too`, converged);
  }, FAULT_TIMEOUT);

  it('kill -9 of the launcher: api and worker stop by themselves, and the next npm start clears up and converges', async () => {
    const before = { api: pidOf('api')!, worker: pidOf('worker')!, launcher: pidOf('launcher')!, postgres: postmasterPid()! };
    const containers = Object.fromEntries((await docker.listContainers({ filters: { label: ['allmende.managed=true'] } })).map((c) => [c.Names[0], c.Id]));
    const killedAt = Date.now();
    process.kill(before.launcher, 'SIGKILL');
    await waitFor('api and worker to stop with their launcher', async () => !alive(before.api) && !alive(before.worker), 60_000, 100);
    const orphansGone = Date.now() - killedAt;
    await npm!.exited();

    const restartedAt = Date.now();
    await startPlane();
    const converged = Date.now() - killedAt;
    expect(postmasterPid()).toBe(before.postgres); // adopted, not started twice
    expect(npm!.output).toContain('adopted from a previous launcher');
    const after = Object.fromEntries((await docker.listContainers({ filters: { label: ['allmende.managed=true'] } })).map((c) => [c.Names[0], c.Id]));
    for (const name of ['/alm-chaos-worker-prosody-prosody', '/alm-chaos-postgres-prosody-prosody', '/alm-chaos-engine-prosody-prosody']) expect(after[name]).toBe(containers[name]);
    const states = await query<{ state: string }>(dataDir, 'select state from tenant order by created_at');
    expect(states.map((t) => t.state)).toEqual(['active', 'active', 'active', 'active']);
    recordFault('kill -9 launcher', `api and worker stopped by themselves after ${(orphansGone / 1000).toFixed(1)} s (port freed); the next npm start adopted Postgres and was ready ${((Date.now() - restartedAt) / 1000).toFixed(1)} s later; containers untouched`, converged);
  }, FAULT_TIMEOUT);

  it('SIGTERM to npm start: launcher, api, worker and Postgres all stop', async () => {
    const pids = { launcher: pidOf('launcher')!, api: pidOf('api')!, worker: pidOf('worker')!, postgres: postmasterPid()! };
    const sentAt = Date.now();
    npm!.process.kill('SIGTERM');
    await npm!.exited();
    await waitFor('every process to be gone', async () => Object.values(pids).every((pid) => !alive(pid)), 60_000, 100);
    const stopped = Date.now() - sentAt;
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    expect(readdirSync(runDir).filter((file) => file.endsWith('.pid'))).toEqual([]);
    recordFault('SIGTERM to npm start', 'launcher, api, worker and Postgres stopped; no pid files left', stopped);
  }, FAULT_TIMEOUT);
});
