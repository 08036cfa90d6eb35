import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { LABELS, RuntimeError, type SystemContainerSpec } from '#runtime';
import { DockerodeRuntime } from '#runtime/docker';
import { freePort } from '#platform';
import { removeLabelled, requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { BUSYBOX, failureOf, webPlan } from '#test/support/edge.js';

// System containers (what the edge proxy is made of) on a real engine: created, repaired and
// attached only where labels prove ownership.

const RUN = randomBytes(3).toString('hex');
const RUN_LABEL = `allmende-e2e.run=${RUN}`;
const runLabels = { 'allmende-e2e.run': RUN };
const engine = testEngine();
const docker = testDocker(engine);
const runtime = new DockerodeRuntime({ stopTimeoutSeconds: 1, pollIntervalMs: 200, healthTimeoutMs: 30_000 });
const ROLE = 'probe';

function spec(name: string, hostPort: number, overrides: Partial<SystemContainerSpec> = {}): SystemContainerSpec {
  return {
    role: ROLE,
    name,
    image: BUSYBOX,
    command: ['sh', '-c', 'mkdir -p /tmp/www && echo probe > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www'],
    network: `${name}-net`,
    ports: [{ container: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort }],
    volumes: [{ name: `${name}-data`, target: '/data' }],
    tmpfs: { '/tmp': 'rw,size=4m' },
    readOnlyRootfs: true,
    resources: { memoryBytes: 32 * 1024 * 1024, nanoCpus: 250_000_000, pidsLimit: 32 },
    labels: runLabels,
    ...overrides,
  };
}

async function answers(port: number): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await (await fetch(`http://127.0.0.1:${port}/`)).text()).trim();
    } catch (error) {
      if (attempt > 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

beforeAll(async () => {
  await requireImages(engine, [BUSYBOX]);
});

afterAll(async () => {
  await removeLabelled(engine, [RUN_LABEL, `${LABELS.tenant}=e2e-${RUN}-t`]);
});

describe('ensureSystemContainer', () => {
  const name = `alm-probe-${RUN}`;

  it('creates labelled network, volume and container, publishing the fixed host port, with no capability', async () => {
    const port = await freePort();
    const ensured = await runtime.ensureSystemContainer(engine, spec(name, port));
    expect(ensured).toMatchObject({ name, created: true, replaced: false, started: true, running: true });
    expect(ensured.ports).toEqual([{ container: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: port }]);
    expect(ensured.networks).toEqual([{ name: `${name}-net`, tenantId: null }]);
    const info = await docker.getContainer(name).inspect();
    expect(info.Config.Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.role]: ROLE });
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect((await docker.getNetwork(`${name}-net`).inspect()).Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.role]: ROLE });
    expect((await docker.getVolume(`${name}-data`).inspect()).Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.role]: ROLE });
    expect(await answers(port)).toBe('probe');

    const again = await runtime.ensureSystemContainer(engine, spec(name, port));
    expect(again).toMatchObject({ id: ensured.id, created: false, started: false });
  });

  it('starts it when stopped and replaces it when its spec changed', async () => {
    const port = (await runtime.inspectSystemContainer(engine, { role: ROLE, name }))!.ports[0].hostPort;
    await docker.getContainer(name).stop({ t: 1 });
    expect(await runtime.ensureSystemContainer(engine, spec(name, port))).toMatchObject({ created: false, started: true, running: true });

    const moved = await freePort();
    const replaced = await runtime.ensureSystemContainer(engine, spec(name, moved));
    expect(replaced).toMatchObject({ created: true, replaced: true, running: true });
    expect(await answers(moved)).toBe('probe');
  });

  it('removes a container it created that cannot start (its host port is taken); network and volume stay for the next try', async () => {
    const taken = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(taken, '127.0.0.1', resolve));
    try {
      const error = await failureOf(runtime.ensureSystemContainer(engine, spec(`alm-probe-busy-${RUN}`, taken)));
      expect(error).toBeInstanceOf(RuntimeError);
      expect(error.message).toMatch(/address already in use|port is already allocated/i);
      expect(await runtime.inspectSystemContainer(engine, { role: ROLE, name: `alm-probe-busy-${RUN}` })).toBeNull();
    } finally {
      blocker.close();
    }
  });

  it('never touches a same-named container, volume or network it cannot prove is its own', async () => {
    const foreign = `alm-probe-foreign-${RUN}`;
    await docker.createContainer({ name: foreign, Image: BUSYBOX, Cmd: ['sleep', '60'], Labels: runLabels });
    const error = await failureOf(runtime.ensureSystemContainer(engine, spec(foreign, await freePort())));
    expect((error as RuntimeError).code).toBe('runtime.name_conflict');
    expect((await docker.getContainer(foreign).inspect()).Config.Labels[LABELS.managed]).toBeUndefined();
    await expect(runtime.execInSystemContainer(engine, { role: ROLE, name: foreign }, ['true'])).rejects.toMatchObject({ code: 'runtime.name_conflict' });
    // a container of another role is not this role's either
    await expect(runtime.inspectSystemContainer(engine, { role: 'edge', name })).rejects.toMatchObject({ code: 'runtime.name_conflict' });

    const volumeClash = `alm-probe-vol-${RUN}`;
    await docker.createVolume({ Name: `${volumeClash}-data`, Labels: runLabels });
    const volumeError = await failureOf(runtime.ensureSystemContainer(engine, spec(volumeClash, await freePort())));
    expect((volumeError as RuntimeError).code).toBe('runtime.name_conflict');
    expect(volumeError.message).toContain(`${volumeClash}-data`);
  });
});

describe('tenant networks', () => {
  const name = `alm-probe-${RUN}`;
  const tenant = { id: `e2e-${RUN}-t`, slug: `probet${RUN}` };
  const plan = webPlan(tenant, 'site', [{ service: 'web', greeting: 'tenant' }], runLabels);

  beforeAll(async () => {
    await runtime.apply(engine, plan);
  });

  it('joins a network labelled for the tenant, once, and leaves it', async () => {
    const network = { name: plan.network.name, tenantId: tenant.id };
    expect(await runtime.connectSystemContainer(engine, { role: ROLE, name }, network)).toBe(true);
    expect(await runtime.connectSystemContainer(engine, { role: ROLE, name }, network)).toBe(false);
    const state = await runtime.inspectSystemContainer(engine, { role: ROLE, name });
    expect(state!.networks).toContainEqual({ name: plan.network.name, tenantId: tenant.id });
    // reaches the tenant's service by its container name
    const reached = await runtime.execInSystemContainer(engine, { role: ROLE, name }, ['busybox', 'nslookup', plan.containers[0].name, '127.0.0.11']);
    expect(reached.stdout).toContain('Address');
    expect(await runtime.disconnectSystemContainer(engine, { role: ROLE, name }, plan.network.name)).toBe(true);
    expect(await runtime.disconnectSystemContainer(engine, { role: ROLE, name }, plan.network.name)).toBe(false);
  });

  it('refuses networks that are not that tenant\'s, and never leaves its own', async () => {
    await expect(runtime.connectSystemContainer(engine, { role: ROLE, name }, { name: plan.network.name, tenantId: 'someone-else' })).rejects.toMatchObject({
      code: 'runtime.not_owned',
    });
    const plain = `alm-probe-plain-${RUN}`;
    await docker.createNetwork({ Name: plain, Labels: runLabels });
    await expect(runtime.connectSystemContainer(engine, { role: ROLE, name }, { name: plain, tenantId: tenant.id })).rejects.toMatchObject({ code: 'runtime.not_owned' });
    await expect(runtime.disconnectSystemContainer(engine, { role: ROLE, name }, `${name}-net`)).rejects.toMatchObject({ code: 'runtime.not_owned' });
  });
});

describe('removeSystemContainer', () => {
  it('removes the container, and its labelled volume and own network only when asked', async () => {
    const name = `alm-probe-${RUN}`;
    const kept = await runtime.removeSystemContainer(engine, { role: ROLE, name }, { volumes: false, network: false });
    expect(kept).toEqual({ containers: [name], volumes: [], networks: [] });
    expect((await docker.getVolume(`${name}-data`).inspect()).Name).toBe(`${name}-data`);

    await runtime.ensureSystemContainer(engine, spec(name, await freePort()));
    const all = await runtime.removeSystemContainer(engine, { role: ROLE, name }, { volumes: true, network: true });
    expect(all).toEqual({ containers: [name], volumes: [`${name}-data`], networks: [`${name}-net`] });
    expect(await runtime.inspectSystemContainer(engine, { role: ROLE, name })).toBeNull();
  });
});
