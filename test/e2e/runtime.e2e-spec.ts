import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import {
  EngineError, isTransientEngineError, LABELS, RuntimeError,
  type ApplyProgress, type DeploymentPlan, type PlannedContainer, type PlannedHook,
} from '#runtime';
import { DockerodeRuntime } from '#runtime/docker';
import { freePort } from '#platform';
import { removeLabelled, requireImages, testDocker, testEngine } from '#test/support/docker.js';

// The Docker adapter against a real engine (DOCKER_HOST), with the tiny allmende/busybox:1 image.
// Applets are called as `busybox <applet>` or through sh: the image's /usr/* applet links
// are not relied upon.

const BUSYBOX = 'allmende/busybox:1';
const MiB = 1024 * 1024;
const RUN = randomBytes(3).toString('hex');
/** Put on the objects the tests create by hand, so afterAll finds them too. */
const RUN_LABEL = `allmende-e2e.run=${RUN}`;

const engine = testEngine();
const docker = testDocker(engine);
const runtime = new DockerodeRuntime({ stopTimeoutSeconds: 2, pollIntervalMs: 200, healthTimeoutMs: 30_000 });

interface Tenant {
  id: string;
  slug: string;
}
const tenants: Tenant[] = [];
function tenant(name: string): Tenant {
  const t = { id: `e2e-${RUN}-${name}`, slug: `${name}${RUN}` };
  tenants.push(t);
  return t;
}

const HTTPD = 'mkdir -p /tmp/www && echo "$GREETING" > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www';
const HEALTHY = { test: ['CMD', 'busybox', 'wget', '-q', '-O-', 'http://127.0.0.1:8080/'], intervalSeconds: 1, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 0 };

function service(t: Tenant, app: string, name: string, overrides: Partial<PlannedContainer> = {}): PlannedContainer {
  return {
    service: name,
    name: `alm-${t.slug}-${app}-${name}`,
    image: BUSYBOX,
    command: ['sh', '-c', HTTPD],
    env: { GREETING: `hello from ${name}` },
    labels: {},
    mounts: [],
    ports: [],
    healthcheck: HEALTHY,
    resources: { memoryBytes: 32 * MiB, nanoCpus: 250_000_000, pidsLimit: 32 },
    // no capabilities; the root stays writable for the httpd's /tmp/www (read-only roots: container-hardening.e2e-spec.ts)
    capabilities: [],
    readOnlyRootFilesystem: false,
    tmpfs: [],
    restartPolicy: 'unless-stopped',
    oneShot: false,
    dependsOn: [],
    ...overrides,
  };
}

function plan(t: Tenant, app: string, containers: PlannedContainer[], volumeKeys: string[] = ['data']): DeploymentPlan {
  const body: Omit<DeploymentPlan, 'hash'> = {
    tenant: { id: t.id, slug: t.slug },
    app,
    version: '1',
    network: { name: `alm-${t.slug}`, labels: {} },
    volumes: volumeKeys.map((key) => ({ key, name: `alm-${t.slug}-${app}-${key}`, labels: {}, backup: true })),
    containers,
    hooks: { firstStart: [], backup: [], upgrade: [] },
  };
  return { ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
}

/** The engine's health status, once it has run its first check (it polls at the plan's interval). */
async function dockerHealth(nameOrId: string, timeoutMs = 10_000): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await inspect(nameOrId)).State.Health?.Status;
    if (status !== 'starting' || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function inspect(nameOrId: string): Promise<Docker.ContainerInspectInfo> {
  return docker.getContainer(nameOrId).inspect();
}

async function exists(name: string): Promise<boolean> {
  try {
    await docker.getContainer(name).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

async function containersOf(t: Tenant, app?: string): Promise<Docker.ContainerInfo[]> {
  const label = [`${LABELS.tenant}=${t.id}`, ...(app ? [`${LABELS.app}=${app}`] : [])];
  return docker.listContainers({ all: true, filters: { label } });
}

/** Runs argv in a container (through the adapter) and returns stdout; fails on a non-zero exit. */
async function sh(container: string, script: string): Promise<string> {
  const result = await runtime.exec(engine, container, ['sh', '-c', script], { timeoutMs: 20_000 });
  if (result.exitCode !== 0) throw new Error(`"${script}" in ${container} exited ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
}

async function expectRejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  await requireImages(engine, [BUSYBOX]);
});

afterAll(async () => {
  await removeLabelled(engine, [...tenants.map((t) => `${LABELS.tenant}=${t.id}`), RUN_LABEL]);
});

describe('apply', () => {
  const t = tenant('apply');
  const web = service(t, 'site', 'web', {
    mounts: [{ volume: 'data', target: '/data', readOnly: false }],
    ports: [{ container: 8080, protocol: 'tcp', publish: true }],
  });
  const worker = service(t, 'site', 'worker', { command: ['sleep', '3600'], healthcheck: undefined, restartPolicy: 'on-failure' });
  const v1 = plan(t, 'site', [web, worker]);
  let first: Awaited<ReturnType<DockerodeRuntime['apply']>>;

  it('creates labelled network, volume and containers with limits, no privileges and no host paths', async () => {
    first = await runtime.apply(engine, v1);
    expect(Object.keys(first.containers).sort()).toEqual(['web', 'worker']);

    const network = await docker.getNetwork(v1.network.name).inspect();
    expect(network.Driver).toBe('bridge');
    expect(network.Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.tenant]: t.id, [LABELS.tenantSlug]: t.slug });

    const volume = await docker.getVolume(v1.volumes[0].name).inspect();
    expect(volume.Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.tenant]: t.id, [LABELS.app]: 'site' });

    for (const planned of [web, worker]) {
      const info = await inspect(first.containers[planned.service]);
      expect(info.Name).toBe(`/${planned.name}`);
      expect(info.Config.Labels).toMatchObject({
        [LABELS.managed]: 'true',
        [LABELS.tenant]: t.id,
        [LABELS.tenantSlug]: t.slug,
        [LABELS.app]: 'site',
        [LABELS.service]: planned.service,
        [LABELS.planHash]: v1.hash,
        [LABELS.role]: 'service',
      });
      expect(info.State.Running).toBe(true);
      const host = info.HostConfig;
      expect(host.Memory).toBe(32 * MiB);
      expect(host.NanoCpus).toBe(250_000_000);
      expect(host.PidsLimit).toBe(32);
      expect(host.RestartPolicy?.Name).toBe(planned.restartPolicy);
      expect(host.Privileged).toBe(false);
      expect(host.SecurityOpt).toContain('no-new-privileges:true');
      expect(host.Binds ?? []).toEqual([]);
      for (const mount of info.Mounts) expect(mount.Type).toBe('volume');
      expect(JSON.stringify(info.Mounts)).not.toContain('docker.sock');
      // only the tenant network, reachable under <app>-<service>
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual([v1.network.name]);
      expect(info.NetworkSettings.Networks[v1.network.name].Aliases).toContain(`site-${planned.service}`);
    }
    const webInfo = await inspect(first.containers.web);
    expect(webInfo.Config.Healthcheck).toMatchObject({ Interval: 1_000_000_000, Timeout: 2_000_000_000, Retries: 3 });
    // apply returns once the health check passes when run directly; the engine's own status follows within an interval
    expect(await dockerHealth(first.containers.web)).toBe('healthy');
    expect(webInfo.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(webInfo.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Name: v1.volumes[0].name, Destination: '/data', RW: true })]);

    expect(first.ports).toEqual([{ service: 'web', container: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: expect.any(Number) }]);
    const response = await fetch(`http://127.0.0.1:${first.ports[0].hostPort}/`);
    expect((await response.text()).trim()).toBe('hello from web');
  });

  it('creates nothing on a second apply of the same plan and returns the same ids', async () => {
    const before = (await containersOf(t)).map((c) => `${c.Id}@${c.Created}`).sort();
    const progress: ApplyProgress[] = [];
    const second = await runtime.apply(engine, v1, (p) => progress.push(p));
    expect(second.containers).toEqual(first.containers);
    expect((await containersOf(t)).map((c) => `${c.Id}@${c.Created}`).sort()).toEqual(before);
    const containerSteps = progress.filter((p) => p.step === 'containers').map((p) => p.message);
    expect(containerSteps).toEqual([`${web.name} is up to date`, `${worker.name} is up to date`]);
    expect(progress.some((p) => p.step === 'start')).toBe(false);
    expect(await runtime.drift(engine, v1)).toEqual({ missing: [], outdated: [], stopped: [], unexpected: [], limitsChanged: [], inSync: true });
  });

  it('recreates only the containers whose spec changed, on the same volumes', async () => {
    await sh(web.name, 'echo kept > /data/kept');
    const v2 = plan(t, 'site', [{ ...web, env: { GREETING: 'hello v2' } }, worker]);
    expect(v2.hash).not.toBe(v1.hash);
    expect((await runtime.drift(engine, v2)).outdated).toEqual([web.name]);

    const applied = await runtime.apply(engine, v2);
    expect(applied.containers.web).not.toBe(first.containers.web);
    expect(applied.containers.worker).toBe(first.containers.worker);
    expect(await exists(first.containers.web)).toBe(false);
    expect((await inspect(applied.containers.web)).Config.Labels[LABELS.planHash]).toBe(v2.hash);
    expect((await sh(web.name, 'cat /data/kept')).trim()).toBe('kept');
    const response = await fetch(`http://127.0.0.1:${applied.ports[0].hostPort}/`);
    expect((await response.text()).trim()).toBe('hello v2');
    expect((await runtime.drift(engine, v2)).inSync).toBe(true);
    expect((await containersOf(t)).length).toBe(2);
  });

  it('refuses a plan that mounts a host path or the Docker socket, before touching anything', async () => {
    const sneaky = plan(t, 'sneaky', [service(t, 'sneaky', 'web', { mounts: [{ volume: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: true }] })]);
    const error = await expectRejection(runtime.apply(engine, sneaky));
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe('runtime.plan_refused');
    expect(error.message).toContain('/var/run/docker.sock');
    expect(await containersOf(t, 'sneaky')).toEqual([]);
  });
});

describe('one-shots', () => {
  const t = tenant('oneshot');
  // web serves /data, which only the one-shot fills: web cannot become healthy before init ran
  const init = service(t, 'jobs', 'init', {
    command: ['sh', '-c', 'echo seeded > /data/index.html && date >> /data/runs && echo init done'],
    healthcheck: undefined,
    oneShot: true,
    restartPolicy: 'unless-stopped', // ignored for one-shots
    mounts: [{ volume: 'data', target: '/data', readOnly: false }],
  });
  const web = service(t, 'jobs', 'web', {
    command: ['sh', '-c', 'exec httpd -f -p 8080 -h /data'],
    mounts: [{ volume: 'data', target: '/data', readOnly: true }],
    dependsOn: ['init'],
  });

  it('runs a one-shot to completion before its dependents start, and never reruns it for the same plan', async () => {
    const p = plan(t, 'jobs', [init, web]);
    const applied = await runtime.apply(engine, p);
    const initInfo = await inspect(applied.containers.init);
    const webInfo = await inspect(applied.containers.web);
    expect(initInfo.State.Status).toBe('exited');
    expect(initInfo.State.ExitCode).toBe(0);
    expect(initInfo.HostConfig.RestartPolicy?.Name).toBe('no');
    expect(initInfo.Config.Labels[LABELS.role]).toBe('one-shot');
    expect(Date.parse(webInfo.State.StartedAt)).toBeGreaterThanOrEqual(Date.parse(initInfo.State.FinishedAt));
    expect(await dockerHealth(webInfo.Id)).toBe('healthy');

    const again = await runtime.apply(engine, p);
    expect(again.containers).toEqual(applied.containers);
    expect((await inspect(applied.containers.init)).State.StartedAt).toBe(initInfo.State.StartedAt);
    expect((await sh(web.name, 'cat /data/runs')).trim().split('\n')).toHaveLength(1);
    const drift = await runtime.drift(engine, p);
    expect(drift.stopped).toEqual([]); // a finished one-shot is not "stopped"
    expect(drift.inSync).toBe(true);
  });

  it('fails with the log tail when a one-shot exits non-zero, and leaves none of the containers it made', async () => {
    const broken = service(t, 'migrate', 'init', { command: ['sh', '-c', 'echo "migration 42 broke" >&2; exit 3'], healthcheck: undefined, oneShot: true });
    const dependent = service(t, 'migrate', 'web', { dependsOn: ['init'] });
    const error = await expectRejection(runtime.apply(engine, plan(t, 'migrate', [broken, dependent])));
    expect((error as RuntimeError).code).toBe('runtime.start_failed');
    expect(error.message).toContain('exited with code 3');
    expect(error.message).toContain('migration 42 broke');
    expect(await containersOf(t, 'migrate')).toEqual([]);
  });
});

describe('health', () => {
  const t = tenant('health');

  it('fails an apply on an unhealthy container with its health output, removing what did not get ready', async () => {
    const db = service(t, 'sick', 'db');
    const web = service(t, 'sick', 'web', {
      dependsOn: ['db'],
      healthcheck: { test: ['CMD-SHELL', 'echo probe-says-no; exit 1'], intervalSeconds: 1, timeoutSeconds: 2, retries: 2, startPeriodSeconds: 0 },
    });
    const error = await expectRejection(runtime.apply(engine, plan(t, 'sick', [db, web])));
    expect((error as RuntimeError).code).toBe('runtime.start_failed');
    expect(error.message).toContain(`${web.name} is unhealthy`);
    expect(error.message).toContain('probe-says-no');
    expect(await exists(web.name)).toBe(false);
    // db got healthy: it stays, and the next apply reuses it
    expect((await inspect(db.name)).State.Health?.Status).toBe('healthy');
  });

  it('fails at once for a container that keeps exiting, not at the health timeout', async () => {
    const dying = service(t, 'dying', 'web', { command: ['sh', '-c', 'echo cannot-start; exit 3'], healthcheck: { ...HEALTHY, intervalSeconds: 60, startPeriodSeconds: 60 } });
    const started = Date.now();
    const error = await expectRejection(runtime.apply(engine, plan(t, 'dying', [dying]), undefined, 60_000));
    expect(Date.now() - started).toBeLessThan(30_000);
    // the engine may call it unhealthy first (a dead container fails its check): either way at once, with its log
    expect(error.message).toMatch(/keeps exiting \(restarted \d+ times, last exit code 3\)|is unhealthy/);
    expect(error.message).toContain('cannot-start');
  });

  it('fails after the health timeout with the last log lines and the health state', async () => {
    const slow = service(t, 'slow', 'web', {
      command: ['sh', '-c', 'echo still-booting; exec sleep 3600'],
      healthcheck: { ...HEALTHY, intervalSeconds: 60, startPeriodSeconds: 60 },
    });
    const started = Date.now();
    const error = await expectRejection(runtime.apply(engine, plan(t, 'slow', [slow]), undefined, 2_000));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error.message).toContain('not ready after 2 s');
    expect(error.message).toContain('still-booting');
    expect(await containersOf(t, 'slow')).toEqual([]);
  });
});

describe('tenant networks', () => {
  const a = tenant('neta');
  const b = tenant('netb');
  const aPlan = plan(a, 'net', [service(a, 'net', 'web'), service(a, 'net', 'probe', { command: ['sleep', '3600'], healthcheck: undefined })], []);
  const bPlan = plan(b, 'net', [service(b, 'net', 'secret')], []);

  beforeAll(async () => {
    await runtime.apply(engine, aPlan);
    await runtime.apply(engine, bPlan);
  });

  it("reaches its own containers but neither the alias, the name nor the address of another tenant's", async () => {
    const probe = aPlan.containers[1].name;
    const bContainer = bPlan.containers[0].name;
    const bIp = (await inspect(bContainer)).NetworkSettings.Networks[bPlan.network.name].IPAddress;
    const aIp = (await inspect(aPlan.containers[0].name)).NetworkSettings.Networks[aPlan.network.name].IPAddress;
    expect(bIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const fetchFrom = (url: string) => runtime.exec(engine, probe, ['busybox', 'timeout', '4', 'busybox', 'wget', '-q', '-O-', url], { timeoutMs: 20_000 });
    const own = await fetchFrom('http://net-web:8080/');
    expect(own).toMatchObject({ exitCode: 0 });
    expect(own.stdout.trim()).toBe('hello from web');
    expect((await fetchFrom(`http://${aIp}:8080/`)).exitCode).toBe(0);

    const byAlias = await fetchFrom('http://net-secret:8080/');
    expect(byAlias.exitCode).not.toBe(0);
    expect(byAlias.stderr).toContain('bad address');
    expect((await fetchFrom(`http://${bContainer}:8080/`)).exitCode).not.toBe(0);
    const byIp = await fetchFrom(`http://${bIp}:8080/`);
    expect(byIp.exitCode).not.toBe(0);
    expect(byIp.stdout).not.toContain('hello');
    const nc = await runtime.exec(engine, probe, ['sh', '-c', `echo | nc -w 2 ${bIp} 8080`], { timeoutMs: 20_000 });
    expect(nc.exitCode).not.toBe(0);
  });
});

describe('drift, stop and apply again', () => {
  const t = tenant('drift');
  const init = service(t, 'life', 'init', { command: ['sh', '-c', 'true'], healthcheck: undefined, oneShot: true });
  const a = service(t, 'life', 'a', { dependsOn: ['init'] });
  const b = service(t, 'life', 'b');
  const p = plan(t, 'life', [init, a, b]);

  it('reports stopped, missing, outdated and unexpected containers; apply converges them', async () => {
    await runtime.apply(engine, p);
    await docker.getContainer(a.name).stop({ t: 1 });
    await docker.getContainer(b.name).remove({ force: true });
    const stranger = await docker.createContainer({
      name: `alm-${t.slug}-life-old`,
      Image: BUSYBOX,
      Cmd: ['sleep', '3600'],
      Labels: { [LABELS.managed]: 'true', [LABELS.tenant]: t.id, [LABELS.app]: 'life', [LABELS.service]: 'old' },
    });
    expect(await runtime.drift(engine, p)).toEqual({ missing: [b.name], outdated: [], stopped: [a.name], unexpected: [`alm-${t.slug}-life-old`], limitsChanged: [], inSync: false });

    const changed = plan(t, 'life', [init, { ...a, env: { GREETING: 'changed' } }, b]);
    expect((await runtime.drift(engine, changed)).outdated).toEqual([a.name]);

    await runtime.apply(engine, p);
    expect(await runtime.drift(engine, p)).toEqual({ missing: [], outdated: [], stopped: [], unexpected: [], limitsChanged: [], inSync: true });
    expect(await exists(stranger.id)).toBe(false); // labelled for this tenant and app, no longer planned
  });

  it('stops the tenant containers and starts them again by applying (as resume does), never rerunning a finished one-shot', async () => {
    const initStarted = (await inspect(init.name)).State.StartedAt;
    const ids = Object.fromEntries(await Promise.all([a, b].map(async (c) => [c.name, (await inspect(c.name)).Id])));
    expect((await runtime.stop(engine, t.id)).sort()).toEqual([a.name, b.name].sort());
    expect((await inspect(a.name)).State.Running).toBe(false);
    expect((await runtime.drift(engine, p)).stopped.sort()).toEqual([a.name, b.name].sort());
    await runtime.apply(engine, p);
    expect(Object.fromEntries(await Promise.all([a, b].map(async (c) => [c.name, (await inspect(c.name)).Id])))).toEqual(ids); // started, not recreated
    expect((await inspect(a.name)).State.Running).toBe(true);
    expect((await inspect(init.name)).State.StartedAt).toBe(initStarted);
    const observed = await runtime.observe(engine, t.id);
    expect(observed.containers.map((c) => [c.name, c.service, c.app, c.planHash]).sort()).toEqual(
      [init, a, b].map((c) => [c.name, c.service, 'life', p.hash]).sort(),
    );
    expect(observed.networks).toEqual([{ name: p.network.name }]);
    expect(observed.volumes).toEqual([{ name: p.volumes[0].name, app: 'life' }]);
  });
});

describe('ownership', () => {
  const t = tenant('owner');
  const other = tenant('other');
  const p = plan(t, 'club', [service(t, 'club', 'web', { mounts: [{ volume: 'data', target: '/data', readOnly: false }] })]);
  let unlabelled: Docker.Container;
  let foreign: Docker.Container;

  beforeAll(async () => {
    await runtime.apply(engine, p);
    // no tenant label (it does inherit allmende.managed=true from the image's labels)
    unlabelled = await docker.createContainer({ name: `e2e-${RUN}-stranger`, Image: BUSYBOX, Cmd: ['sleep', '3600'], Labels: { 'allmende-e2e.run': RUN } });
    await unlabelled.start();
    foreign = await docker.createContainer({
      name: `e2e-${RUN}-foreign`,
      Image: BUSYBOX,
      Cmd: ['sleep', '3600'],
      Labels: { [LABELS.managed]: 'true', [LABELS.tenant]: other.id, [LABELS.app]: 'club', [LABELS.service]: 'web' },
    });
  });

  it('removes only the tenant objects; volumes only when asked', async () => {
    const kept = await runtime.remove(engine, t.id, { volumes: false });
    expect(kept).toEqual({ containers: [p.containers[0].name], volumes: [], networks: [p.network.name] });
    expect((await docker.getVolume(p.volumes[0].name).inspect()).Name).toBe(p.volumes[0].name);
    expect((await unlabelled.inspect()).State.Running).toBe(true);
    expect(await exists(foreign.id)).toBe(true);

    const gone = await runtime.remove(engine, t.id, { volumes: true });
    expect(gone).toEqual({ containers: [], volumes: [p.volumes[0].name], networks: [] });
    expect(await exists(unlabelled.id)).toBe(true);
    expect(await exists(foreign.id)).toBe(true);
  });

  it('keeps the network while another app of the tenant still has containers', async () => {
    const one = plan(t, 'one', [service(t, 'one', 'web')], []);
    const two = plan(t, 'two', [service(t, 'two', 'web')], []);
    await runtime.apply(engine, one);
    await runtime.apply(engine, two);
    expect(await runtime.remove(engine, t.id, { app: 'one', volumes: true })).toEqual({ containers: [one.containers[0].name], volumes: [], networks: [] });
    expect((await inspect(two.containers[0].name)).State.Running).toBe(true);
    expect(await runtime.remove(engine, t.id, { app: 'two', volumes: true })).toEqual({ containers: [two.containers[0].name], volumes: [], networks: [one.network.name] });
  });

  it('fails instead of touching an unlabelled container, volume or network with a planned name', async () => {
    const c = tenant('clash');
    const clashing = plan(c, 'club', [service(c, 'club', 'web', { mounts: [{ volume: 'data', target: '/data', readOnly: false }] })]);

    const squatter = await docker.createContainer({ name: clashing.containers[0].name, Image: BUSYBOX, Cmd: ['sleep', '3600'], Labels: { 'allmende-e2e.run': RUN } });
    await squatter.start();
    const before = await squatter.inspect();
    let error = await expectRejection(runtime.apply(engine, clashing));
    expect((error as RuntimeError).code).toBe('runtime.name_conflict');
    expect(error.message).toContain(clashing.containers[0].name);
    const after = await squatter.inspect();
    expect([after.Id, after.State.StartedAt, after.State.Running]).toEqual([before.Id, before.State.StartedAt, true]);
    // ...nor runs commands in it
    error = await expectRejection(runtime.exec(engine, clashing.containers[0].name, ['true']));
    expect((error as RuntimeError).code).toBe('runtime.name_conflict');

    const v = tenant('clashv');
    const volumeClash = plan(v, 'club', [service(v, 'club', 'web', { mounts: [{ volume: 'data', target: '/data', readOnly: false }] })]);
    await docker.createVolume({ Name: volumeClash.volumes[0].name, Labels: { 'allmende-e2e.run': RUN } });
    error = await expectRejection(runtime.apply(engine, volumeClash));
    expect((error as RuntimeError).code).toBe('runtime.name_conflict');
    expect((await docker.getVolume(volumeClash.volumes[0].name).inspect()).Labels).toEqual({ 'allmende-e2e.run': RUN });
    expect(await containersOf(v)).toEqual([]);

    const n = tenant('clashn');
    const networkClash = plan(n, 'club', [service(n, 'club', 'web')], []);
    await docker.createNetwork({ Name: networkClash.network.name, Labels: { 'allmende-e2e.run': RUN, [LABELS.managed]: 'true', [LABELS.tenant]: 'someone-else' } });
    error = await expectRejection(runtime.apply(engine, networkClash));
    expect((error as RuntimeError).code).toBe('runtime.name_conflict');
    expect(await containersOf(n)).toEqual([]);

    // remove() of those tenants touches none of it either
    for (const x of [c, v, n]) await runtime.remove(engine, x.id, { volumes: true });
    expect(await exists(squatter.id)).toBe(true);
    expect((await docker.getVolume(volumeClash.volumes[0].name).inspect()).Name).toBe(volumeClash.volumes[0].name);
    expect((await docker.getNetwork(networkClash.network.name).inspect()).Name).toBe(networkClash.network.name);
  });
});

describe('exec and hooks', () => {
  const t = tenant('exec');
  const web = service(t, 'x', 'web');
  const p = plan(t, 'x', [web], []);

  beforeAll(async () => {
    await runtime.apply(engine, p);
  });

  it('passes argv verbatim: a hostile string arrives as one argument', async () => {
    const hostile = `'; rm -rf / $(id) \`id\` "$HOME" \\n\n; echo pwned`;
    const result = await runtime.exec(engine, web.name, ['busybox', 'printf', '%s', hostile]);
    expect(result).toEqual({ exitCode: 0, stdout: hostile, stderr: '' });
    const count = await runtime.exec(engine, web.name, ['sh', '-c', 'echo $#', 'sh', hostile, 'second']);
    expect(count.stdout.trim()).toBe('2');
  });

  it('separates stdout and stderr, returns the exit code, passes env and user', async () => {
    expect(await runtime.exec(engine, web.name, ['sh', '-c', 'echo out; echo err >&2; exit 3'])).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    const secret = `pa$$word "with" 'quotes' ${randomBytes(4).toString('hex')}`;
    expect((await runtime.exec(engine, web.name, ['sh', '-c', 'printf %s "$SECRET"'], { env: { SECRET: secret } })).stdout).toBe(secret);
    expect((await runtime.exec(engine, web.name, ['busybox', 'id', '-u'], { user: 'nobody' })).stdout.trim()).toBe('65534');
  });

  it('writes stdin to the command and closes it, so a secret never needs argv', async () => {
    const secret = `line one\n'two' $(three) ${randomBytes(4).toString('hex')}`;
    const result = await runtime.exec(engine, web.name, ['busybox', 'cat'], { stdin: secret, timeoutMs: 20_000 });
    expect(result).toEqual({ exitCode: 0, stdout: secret, stderr: '' });
    const large = randomBytes(256 * 1024).toString('base64');
    const counted = await runtime.exec(engine, web.name, ['busybox', 'wc', '-c'], { stdin: large, timeoutMs: 20_000 });
    expect(Number(counted.stdout.trim())).toBe(Buffer.byteLength(large));
  });

  it('kills a command that runs past its timeout', async () => {
    const started = Date.now();
    const error = await expectRejection(runtime.exec(engine, web.name, ['sh', '-c', 'echo waiting >&2; exec sleep 300'], { timeoutMs: 1_000 }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((error as RuntimeError).code).toBe('runtime.exec_timeout');
    expect(error.message).toContain('waiting');
    const ps = await runtime.exec(engine, web.name, ['busybox', 'ps']);
    expect(ps.stdout).not.toContain('sleep 300');
  });

  it('runs hooks, accepting the listed exit codes and failing with name, code and stderr otherwise', async () => {
    const hook: PlannedHook = {
      name: 'create-admin',
      service: 'web',
      argv: ['sh', '-c', 'echo "user already exists" >&2; exit 5'],
      env: { ADMIN_PASSWORD: 'not-in-any-message' },
      timeoutSeconds: 10,
      acceptExitCodes: [5],
    };
    expect(await runtime.runHook(engine, p, hook)).toMatchObject({ exitCode: 5, stderr: 'user already exists\n' });
    const error = await expectRejection(runtime.runHook(engine, p, { ...hook, acceptExitCodes: [] }));
    expect((error as RuntimeError).code).toBe('runtime.hook_failed');
    expect(error.message).toContain('create-admin');
    expect(error.message).toContain('exit code 5');
    expect(error.message).toContain('user already exists');
    expect(error.message).not.toContain('not-in-any-message');
  });
});

describe('volume export', () => {
  const t = tenant('backup');
  // CHOWN added back (every capability is dropped): the test makes a file of another owner
  const web = service(t, 'files', 'web', { mounts: [{ volume: 'data', target: '/data', readOnly: false }], capabilities: ['CHOWN'] });
  const p = plan(t, 'files', [web]);
  const volume = p.volumes[0].name;

  beforeAll(async () => {
    await runtime.apply(engine, p);
  });

  it('streams a volume as a tar with its dotfiles, contents and owners', async () => {
    await sh(web.name, 'mkdir -p /data/sub && echo one > /data/sub/file && echo hidden > /data/.dot && echo mine > /data/owned && chown 1000:1000 /data/owned');
    const chunks: Buffer[] = [];
    await runtime.exportVolume(engine, t.id, volume, new Writable({ write: (chunk, _encoding, done) => (chunks.push(chunk), done()) }));
    const tar = Buffer.concat(chunks);
    const listing = spawnSync('tar', ['-tf', '-'], { input: tar, encoding: 'utf8' });
    expect(listing.status).toBe(0);
    expect(listing.stdout.split('\n')).toEqual(expect.arrayContaining(['./sub/file', './.dot', './owned']));
    const contentOf = (path: string) => spawnSync('tar', ['-xOf', '-', path], { input: tar, encoding: 'utf8' }).stdout;
    expect([contentOf('./sub/file'), contentOf('./.dot')]).toEqual(['one\n', 'hidden\n']);
    const owners = spawnSync('tar', ['--numeric-owner', '-tvf', '-', './owned'], { input: tar, encoding: 'utf8' }).stdout;
    expect(owners).toMatch(/ 1000\/1000 /);

    const helpers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.tenant}=${t.id}`, `${LABELS.role}=volume-helper`] } });
    expect(helpers).toEqual([]);
  });

  it("refuses another tenant's volume and an unlabelled one", async () => {
    const error = await expectRejection(runtime.exportVolume(engine, 'someone-else', volume, new Writable({ write: (_c, _e, done) => done() })));
    expect((error as RuntimeError).code).toBe('runtime.not_owned');
    await docker.createVolume({ Name: `e2e-${RUN}-loose`, Labels: { 'allmende-e2e.run': RUN } });
    const loose = await expectRejection(runtime.exportVolume(engine, t.id, `e2e-${RUN}-loose`, new Writable({ write: (_c, _e, done) => done() })));
    expect((loose as RuntimeError).code).toBe('runtime.not_owned');
  });
});

describe('engine errors', () => {
  const t = tenant('errors');

  it('names a missing image with the engine message and creates nothing', async () => {
    const p = plan(t, 'ghost', [service(t, 'ghost', 'db'), service(t, 'ghost', 'web', { image: 'allmende/does-not-exist:1' })]);
    expect(await runtime.missingImages(engine, p)).toEqual(['allmende/does-not-exist:1']);
    const error = await expectRejection(runtime.apply(engine, p));
    expect((error as RuntimeError).code).toBe('runtime.image_missing');
    expect(error.message).toContain('No such image: allmende/does-not-exist:1');
    expect(isTransientEngineError(error)).toBe(false);
    expect(await containersOf(t)).toEqual([]);
  });

  it('surfaces an engine refusal verbatim and removes the containers made before it', async () => {
    const p = plan(t, 'tiny', [service(t, 'tiny', 'db'), service(t, 'tiny', 'web', { resources: { memoryBytes: 1024, nanoCpus: 100_000_000, pidsLimit: 8 } })]);
    const error = await expectRejection(runtime.apply(engine, p));
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).statusCode).toBe(400);
    expect((error as EngineError).engineMessage).toMatch(/Minimum memory limit allowed is 6MB/);
    expect(error.message).toContain(`create container ${p.containers[1].name}`);
    expect(isTransientEngineError(error)).toBe(false);
    expect(await containersOf(t, 'tiny')).toEqual([]);
  });

  it('classifies an unreachable engine as transient', async () => {
    const port = await freePort();
    const error = await expectRejection(runtime.observe({ name: 'down', endpoint: `tcp://127.0.0.1:${port}` }, t.id));
    expect(error).toBeInstanceOf(EngineError);
    expect(error.message).toContain('ECONNREFUSED');
    expect(isTransientEngineError(error)).toBe(true);
    expect((await runtime.ping({ name: 'down', endpoint: `tcp://127.0.0.1:${port}` })).reachable).toBe(false);
  });
});
