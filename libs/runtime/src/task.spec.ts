import { LABELS } from './plan/deployment-plan.js';
import { RuntimeError } from './runtime-errors.js';
import { checkTaskRequest, isRemovableTask, TASK_DEADLINE_LABEL, taskCreateOptions, type TaskRequest } from './task.js';

const base: TaskRequest = {
  tenant: { id: 't-1', slug: 'club' },
  role: 'backup-task',
  image: 'allmende/restic:0.18',
  argv: ['--', 'snapshots'],
  timeoutMs: 60_000,
};

function refusal(request: Partial<TaskRequest>): string {
  try {
    checkTaskRequest({ ...base, ...request });
  } catch (error) {
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe('runtime.plan_refused');
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('checkTaskRequest', () => {
  it('accepts a plain request', () => {
    expect(() => checkTaskRequest({ ...base, volumes: [{ volume: 'alm-club-prosody-data', target: '/backup/prosody/data', readOnly: true }], binds: [{ source: '/srv/backups/t-1', target: '/repository', readOnly: false }], tmpfs: { '/run/allmende': 1 << 20 }, network: 'none', capabilities: ['DAC_READ_SEARCH'] })).not.toThrow();
  });

  it.each([
    [{ volumes: [{ volume: '/etc', target: '/x', readOnly: true }] }, 'not a Docker volume name'],
    [{ volumes: [{ volume: 'v', target: 'relative', readOnly: true }] }, 'absolute, normalised'],
    [{ volumes: [{ volume: 'v', target: '/a/../b', readOnly: true }] }, 'absolute, normalised'],
    [{ volumes: [{ volume: 'v', target: '/a', readOnly: true }, { volume: 'w', target: '/a', readOnly: true }] }, 'used twice'],
    [{ binds: [{ source: '/', target: '/repo', readOnly: true }] }, 'outside system paths'],
    [{ binds: [{ source: '/var/run/docker.sock', target: '/repo', readOnly: true }] }, 'outside system paths'],
    [{ binds: [{ source: '/var/lib/docker/volumes', target: '/repo', readOnly: true }] }, 'outside system paths'],
    [{ binds: [{ source: '/srv/../etc', target: '/repo', readOnly: true }] }, 'outside system paths'],
    [{ binds: [{ source: '/srv/a:/etc', target: '/repo', readOnly: true }] }, 'outside system paths'],
    [{ network: 'host' }, 'may not be joined'],
    [{ network: 'container:abc' }, 'may not be joined'],
    [{ capabilities: ['SYS_ADMIN'] }, 'not allowed'],
    [{ env: { 'BAD KEY': 'x' } }, 'environment variable'],
    [{ user: 'root; rm -rf /' }, 'user'],
    [{ tenant: { id: 'a b' } }, 'tenant.id'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ role: 'service' as never }, 'not a task role'],
  ])('refuses %j', (request, problem) => {
    expect(refusal(request as Partial<TaskRequest>)).toContain(problem);
  });
});

describe('taskCreateOptions', () => {
  it('drops every capability but the asked ones, has no network by default and labels ownership', () => {
    const options = taskCreateOptions({ ...base, capabilities: ['DAC_READ_SEARCH'], stdin: Buffer.from('x') }, 'alm-backup-task-1', 1234, { memoryBytes: 1024, pidsLimit: 10 });
    expect(options.HostConfig).toMatchObject({ NetworkMode: 'none', CapDrop: ['ALL'], CapAdd: ['DAC_READ_SEARCH'], Privileged: false, Memory: 1024, MemorySwap: 1024, PidsLimit: 10, RestartPolicy: { Name: 'no' } });
    expect(options.NetworkDisabled).toBe(true);
    expect(options.Labels).toEqual({ [LABELS.managed]: 'true', [LABELS.tenant]: 't-1', [LABELS.tenantSlug]: 'club', [LABELS.role]: 'backup-task', [TASK_DEADLINE_LABEL]: '1234' });
    expect(options).toMatchObject({ OpenStdin: true, StdinOnce: true, Cmd: ['--', 'snapshots'] });
  });

  it('joins a named network and mounts volumes and binds as asked', () => {
    const options = taskCreateOptions(
      { ...base, network: 'sites', volumes: [{ volume: 'v', target: '/backup/v', readOnly: true }], binds: [{ source: '/srv/b', target: '/repository', readOnly: false }] },
      'n',
      1,
      { memoryBytes: 1, pidsLimit: 1 },
    );
    expect(options.NetworkDisabled).toBeUndefined();
    expect(options.HostConfig?.NetworkMode).toBe('sites');
    expect(options.HostConfig?.Mounts).toEqual([
      { Type: 'volume', Source: 'v', Target: '/backup/v', ReadOnly: true },
      { Type: 'bind', Source: '/srv/b', Target: '/repository', ReadOnly: false },
    ]);
    expect(options.OpenStdin).toBe(false);
  });
});

describe('isRemovableTask', () => {
  const labels = { [LABELS.managed]: 'true', [LABELS.tenant]: 't-1', [LABELS.role]: 'backup-task', [TASK_DEADLINE_LABEL]: '1000' };

  it('removes only tasks past their deadline by default', () => {
    expect(isRemovableTask(labels, {}, 1001)).toBe(true);
    expect(isRemovableTask(labels, {}, 999)).toBe(false);
    expect(isRemovableTask(labels, { expiredOnly: false }, 999)).toBe(true);
  });

  it('never removes app containers, foreign tenants or unlabelled containers', () => {
    expect(isRemovableTask({ ...labels, [LABELS.role]: 'service' }, { expiredOnly: false }, 2000)).toBe(false);
    expect(isRemovableTask(labels, { tenantId: 'other' }, 2000)).toBe(false);
    expect(isRemovableTask({ ...labels, [LABELS.managed]: 'false' }, {}, 2000)).toBe(false);
    expect(isRemovableTask({ ...labels, [TASK_DEADLINE_LABEL]: 'soon' }, {}, 2000)).toBe(false);
  });
});
