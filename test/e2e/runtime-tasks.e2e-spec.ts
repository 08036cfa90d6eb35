import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { LABELS, RuntimeError, TASK_DEADLINE_LABEL, type TaskRequest } from '#runtime';
import { DockerodeRuntime } from '#runtime/docker';
import { removeLabelled, requireImages, testDocker, testEngine } from '#test/support/docker.js';

// Short-lived task containers (ContainerRuntime.runTask / removeTasks) on a real engine,
// with the tiny allmende/busybox:1 image.

const BUSYBOX = 'allmende/busybox:1';
const RUN = randomBytes(3).toString('hex');
const RUN_LABEL = `allmende-e2e.run=${RUN}`;
const TENANT = `e2e-${RUN}-tasks`;
const OTHER_TENANT = `e2e-${RUN}-other`;

const engine = testEngine();
const docker = testDocker(engine);
const runtime = new DockerodeRuntime({ stopTimeoutSeconds: 2 });

function task(overrides: Partial<TaskRequest>): TaskRequest {
  return { tenant: { id: TENANT, slug: `tasks${RUN}` }, role: 'backup-task', image: BUSYBOX, argv: ['sh', '-c', 'true'], timeoutMs: 30_000, ...overrides };
}

async function taskContainers(tenantId = TENANT): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.tenant}=${tenantId}`, `${LABELS.role}=backup-task`] } });
}

async function createVolume(name: string, labels: Record<string, string>): Promise<void> {
  await docker.createVolume({ Name: name, Labels: { 'allmende-e2e.run': RUN, ...labels } });
}

async function rejection(promise: Promise<unknown>): Promise<RuntimeError> {
  try {
    await promise;
  } catch (error) {
    return error as RuntimeError;
  }
  throw new Error('expected a rejection');
}

const ownVolume = `alm-e2e-${RUN}-task-data`;
const foreignVolume = `alm-e2e-${RUN}-foreign`;

beforeAll(async () => {
  await requireImages(engine, [BUSYBOX]);
  await createVolume(ownVolume, { [LABELS.managed]: 'true', [LABELS.tenant]: TENANT });
  await createVolume(foreignVolume, { [LABELS.managed]: 'true', [LABELS.tenant]: OTHER_TENANT });
});

afterEach(async () => {
  // whatever a test did, no task container may remain
  expect(await taskContainers()).toEqual([]);
});

afterAll(async () => {
  for (const tenantId of [TENANT, OTHER_TENANT]) {
    for (const container of await docker.listContainers({ all: true, filters: { label: [`${LABELS.tenant}=${tenantId}`] } })) {
      await docker.getContainer(container.Id).remove({ force: true });
    }
  }
  await removeLabelled(engine, [RUN_LABEL]);
});

describe('runTask', () => {
  it('runs argv with env and stdin, streams output lines in order, labels the container and removes it', async () => {
    const lines: string[] = [];
    let seen: Promise<Docker.ContainerInfo[]> | undefined;
    const result = await runtime.runTask(
      engine,
      task({
        argv: ['sh', '-c', 'echo "greeting=$GREETING"; cat; echo ready; sleep 1; echo to-stderr >&2; for i in 1 2 3; do echo "line $i"; done; exit 3'],
        env: { GREETING: 'hello' },
        stdin: Buffer.from('from stdin\nsecond\n'),
        onStdoutLine: (line) => {
          lines.push(line);
          if (line === 'ready') seen = taskContainers();
        },
      }),
    );
    expect(result.exitCode).toBe(3);
    expect(lines).toEqual(['greeting=hello', 'from stdin', 'second', 'ready', 'line 1', 'line 2', 'line 3']);
    expect(result.stderr).toBe('to-stderr\n');
    const [running] = (await seen)!;
    expect(running.Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.tenant]: TENANT, [LABELS.tenantSlug]: `tasks${RUN}`, [LABELS.role]: 'backup-task' });
    expect(Number(running.Labels[TASK_DEADLINE_LABEL])).toBeGreaterThan(Date.now());
    expect(running.Names[0]).toBe(`/${result.containerName}`);
  });

  it('mounts a tenant volume read-only, with no network and no capabilities unless asked', async () => {
    const readOnly = await runtime.runTask(
      engine,
      task({
        argv: ['sh', '-c', 'ls /sys/class/net; grep CapEff /proc/self/status; echo x > /data/file'],
        volumes: [{ volume: ownVolume, target: '/data', readOnly: true }],
      }),
    );
    expect(readOnly.exitCode).not.toBe(0);
    expect(readOnly.stderr).toMatch(/Read-only file system/);
    expect(readOnly.stdout).toMatch(/^lo\nCapEff:\s+0000000000000000\n$/);

    const writable = await runtime.runTask(
      engine,
      task({ argv: ['sh', '-c', 'echo x > /data/file && cat /data/file && grep CapEff /proc/self/status'], volumes: [{ volume: ownVolume, target: '/data', readOnly: false }], capabilities: ['DAC_READ_SEARCH'] }),
    );
    expect(writable.exitCode).toBe(0);
    expect(writable.stdout).toMatch(/^x\nCapEff:\s+0000000000000004\n$/); // CAP_DAC_READ_SEARCH is bit 2
  });

  it('refuses a volume that is not labelled for the tenant, creating nothing', async () => {
    const error = await rejection(runtime.runTask(engine, task({ volumes: [{ volume: foreignVolume, target: '/data', readOnly: true }] })));
    expect(error.code).toBe('runtime.not_owned');
    expect((await rejection(runtime.runTask(engine, task({ volumes: [{ volume: `alm-e2e-${RUN}-nonexistent`, target: '/data', readOnly: true }] })))).code).toBe('runtime.not_owned');
    expect((await rejection(runtime.runTask(engine, task({ network: 'host' })))).code).toBe('runtime.plan_refused');
    expect((await rejection(runtime.runTask(engine, task({ binds: [{ source: '/var/run/docker.sock', target: '/x', readOnly: true }] })))).code).toBe('runtime.plan_refused');
  });

  it('kills and removes a task that runs past its timeout', async () => {
    const started = Date.now();
    const error = await rejection(runtime.runTask(engine, task({ argv: ['sh', '-c', 'echo working >&2; sleep 60'], timeoutMs: 1500 })));
    expect(error.code).toBe('runtime.task_timeout');
    expect(error.message).toContain('working');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('kills and removes a task when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = runtime.runTask(engine, task({ argv: ['sh', '-c', 'echo started; sleep 60'], signal: controller.signal, onStdoutLine: () => controller.abort() }));
    expect((await rejection(pending)).code).toBe('runtime.task_aborted');
  });

  it('names the missing image', async () => {
    const error = await rejection(runtime.runTask(engine, task({ image: 'allmende/does-not-exist:1' })));
    expect(error.code).toBe('runtime.image_missing');
    expect(error.message).toContain('allmende/does-not-exist:1');
  });

  it('is never stopped by stop() of the tenant', async () => {
    const controller = new AbortController();
    let resolveStarted: () => void;
    const started = new Promise<void>((resolve) => (resolveStarted = resolve));
    const pending = runtime.runTask(engine, task({ argv: ['sh', '-c', 'echo started; sleep 60'], signal: controller.signal, onStdoutLine: () => resolveStarted() }));
    await started;
    expect(await runtime.stop(engine, TENANT)).toEqual([]);
    const [info] = await taskContainers();
    expect(info.State).toBe('running');
    controller.abort();
    await rejection(pending);
  });
});

describe('removeTasks', () => {
  async function leftover(tenantId: string, deadline: number): Promise<string> {
    const name = `alm-backup-task-e2e${RUN}${randomBytes(3).toString('hex')}`;
    await docker.createContainer({
      name,
      Image: BUSYBOX,
      Cmd: ['sleep', '60'],
      Labels: { [LABELS.managed]: 'true', [LABELS.tenant]: tenantId, [LABELS.role]: 'backup-task', [TASK_DEADLINE_LABEL]: String(deadline), 'allmende-e2e.run': RUN },
      HostConfig: { NetworkMode: 'none' },
    });
    return name;
  }

  it('removes what a crashed worker left once its deadline passed, never a task still within it', async () => {
    const expired = await leftover(TENANT, Date.now() - 1000);
    const current = await leftover(TENANT, Date.now() + 3_600_000);
    const otherExpired = await leftover(OTHER_TENANT, Date.now() - 1000);

    expect(await runtime.removeTasks(engine, { tenantId: TENANT })).toEqual([expired]);
    expect((await taskContainers()).map((c) => c.Names[0])).toEqual([`/${current}`]);
    // the caller holds the tenant's lock: everything of this tenant may go
    expect(await runtime.removeTasks(engine, { tenantId: TENANT, expiredOnly: false })).toEqual([current]);
    expect(await runtime.removeTasks(engine, {})).toContain(otherExpired);
  });
});
