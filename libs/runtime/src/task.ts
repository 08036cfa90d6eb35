import { posix } from 'node:path';
import type Docker from 'dockerode';
import { LABELS } from './plan/deployment-plan.js';
import { ROLES } from './plan/ownership.js';
import { RuntimeError } from './runtime-errors.js';

// Short-lived task containers (e.g. a restic backup): the request, its checks and the
// create request made from it, all pure. The adapter in ./docker/task-container.ts runs them.

/** allmende.role of task containers; a task role never counts as one of the tenant's app containers. */
export type TaskRole = typeof ROLES.backupTask;

/** Label with the time (ms since epoch) after which a task container is abandoned for sure. */
export const TASK_DEADLINE_LABEL = 'allmende.task-deadline';

export interface TaskVolumeMount {
  /** A named volume labelled for the task's tenant; anything else is refused. */
  volume: string;
  target: string;
  readOnly: boolean;
}

export interface TaskBindMount {
  /** Absolute, normalised directory on the Docker host (operator-configured, e.g. a local backup site). */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface TaskRequest {
  tenant: { id: string; slug?: string };
  role: TaskRole;
  image: string;
  /** The image's entrypoint gets these arguments (argv, never a shell string). */
  argv: string[];
  /** Not for secrets: the engine shows env in `docker inspect`. Use `stdin`. */
  env?: Record<string, string>;
  /** Written to the task's stdin, which is then closed: how secrets reach it. */
  stdin?: Buffer;
  user?: string;
  volumes?: TaskVolumeMount[];
  binds?: TaskBindMount[];
  /** Private in-memory directories (target -> size in bytes), mode 0700, e.g. for unpacked secrets. */
  tmpfs?: Record<string, number>;
  /** "none" (default: no network at all), "bridge", or the name of an existing network to join. */
  network?: string;
  /** Linux capabilities the task keeps; every other one is dropped. */
  capabilities?: string[];
  memoryBytes?: number;
  pidsLimit?: number;
  /** The container is killed (and removed) when it runs longer. */
  timeoutMs: number;
  /** Aborting kills and removes the container; runTask then rejects with runtime.task_aborted. */
  signal?: AbortSignal;
  /** Each complete line the task writes to stdout / stderr, as it comes. */
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** How much of stdout the result keeps (default 1 MiB; the line callbacks see everything). */
  stdoutLimitBytes?: number;
}

export interface TaskResult {
  exitCode: number;
  /** The last stdoutLimitBytes of stdout and the last 64 KiB of stderr. */
  stdout: string;
  stderr: string;
  durationMs: number;
  containerName: string;
}

export interface TaskCleanupFilter {
  /** Only this tenant's task containers. */
  tenantId?: string;
  role?: TaskRole;
  /**
   * Only containers whose deadline has passed (default true): a crashed worker's leftovers,
   * never a task another worker is still running. Pass false only when the caller knows no
   * task of this tenant runs (e.g. it holds the tenant's lock).
   */
  expiredOnly?: boolean;
}

export const TASK_ROLES: readonly TaskRole[] = [ROLES.backupTask];

const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;
const LABEL_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const CAPABILITY = /^[A-Z][A-Z_]{1,30}$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$/;
/** Where nothing may be mounted over or from. */
const FORBIDDEN_HOST_PATHS = ['/', '/proc', '/sys', '/dev', '/etc', '/boot', '/run', '/var/run', '/var/lib/docker', '/root', '/usr', '/bin', '/sbin', '/lib'];

function isCleanAbsolute(path: string): boolean {
  return typeof path === 'string' && path.startsWith('/') && path.length > 1 && posix.normalize(path) === path && !path.endsWith('/') && !/[\0\n:,]/.test(path);
}

/** Refuses a task the adapter must never run; the message lists every problem. */
export function checkTaskRequest(request: TaskRequest): void {
  const problems: string[] = [];
  const need = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  need(LABEL_VALUE.test(request.tenant?.id ?? ''), 'tenant.id must be a plain identifier');
  need(request.tenant?.slug === undefined || LABEL_VALUE.test(request.tenant.slug), 'tenant.slug must be a plain identifier');
  need(TASK_ROLES.includes(request.role), `role "${request.role}" is not a task role (${TASK_ROLES.join(', ')})`);
  need(typeof request.image === 'string' && request.image.length > 0 && !/\s/.test(request.image), 'image missing');
  need(Array.isArray(request.argv) && request.argv.every((arg) => typeof arg === 'string' && !arg.includes('\0')), 'argv must be an array of strings');
  for (const [key, value] of Object.entries(request.env ?? {})) {
    need(ENV_KEY.test(key) && typeof value === 'string' && !value.includes('\0'), `environment variable "${key}" is not valid`);
  }
  need(request.user === undefined || USER.test(request.user), `user "${request.user}" is not a user name or uid[:gid]`);
  const targets = new Set<string>();
  const target = (path: string, what: string) => {
    need(isCleanAbsolute(path), `${what}: target "${path}" must be an absolute, normalised path`);
    need(!targets.has(path), `${what}: target "${path}" is used twice`);
    targets.add(path);
  };
  for (const mount of request.volumes ?? []) {
    need(DOCKER_NAME.test(mount.volume) && !mount.volume.includes('/'), `volume "${mount.volume}" is not a Docker volume name`);
    target(mount.target, `volume ${mount.volume}`);
  }
  for (const bind of request.binds ?? []) {
    const allowed = isCleanAbsolute(bind.source) && !FORBIDDEN_HOST_PATHS.some((p) => bind.source === p || (p !== '/' && bind.source.startsWith(`${p}/`))) && !/docker\.sock/.test(bind.source);
    need(allowed, `bind source "${bind.source}" must be an absolute, normalised directory outside system paths`);
    target(bind.target, `bind ${bind.source}`);
  }
  for (const [path, size] of Object.entries(request.tmpfs ?? {})) {
    target(path, 'tmpfs');
    need(Number.isSafeInteger(size) && size > 0, `tmpfs ${path}: size must be a positive integer`);
  }
  const network = request.network ?? 'none';
  need(network !== 'host' && network !== 'default' && !network.startsWith('container:') && DOCKER_NAME.test(network), `network "${network}" may not be joined (none, bridge or a network name)`);
  for (const capability of request.capabilities ?? []) {
    need(CAPABILITY.test(capability) && !['SYS_ADMIN', 'NET_ADMIN', 'SYS_MODULE', 'SYS_PTRACE', 'SYS_RAWIO', 'ALL'].includes(capability), `capability "${capability}" is not allowed for a task`);
  }
  for (const [what, value] of [['memoryBytes', request.memoryBytes], ['pidsLimit', request.pidsLimit]] as const) {
    need(value === undefined || (Number.isSafeInteger(value) && value > 0), `${what} must be a positive integer`);
  }
  need(Number.isFinite(request.timeoutMs) && request.timeoutMs > 0, 'timeoutMs must be positive');
  if (problems.length) {
    throw new RuntimeError('runtime.plan_refused', `Refusing ${request.role ?? 'task'} for tenant ${request.tenant?.id}: ${problems.join('; ')}`);
  }
}

/** Labels of a task container: ownership, role, and when it is abandoned for sure. */
export function taskLabels(request: TaskRequest, deadline: number): Record<string, string> {
  return {
    [LABELS.managed]: 'true',
    [LABELS.tenant]: request.tenant.id,
    ...(request.tenant.slug ? { [LABELS.tenantSlug]: request.tenant.slug } : {}),
    [LABELS.role]: request.role,
    [TASK_DEADLINE_LABEL]: String(deadline),
  };
}

export interface TaskDefaults {
  memoryBytes: number;
  pidsLimit: number;
}

/** The create request: no privileges, every capability dropped unless asked for, limits always set. */
export function taskCreateOptions(request: TaskRequest, name: string, deadline: number, defaults: TaskDefaults): Docker.ContainerCreateOptions {
  const network = request.network ?? 'none';
  const memory = request.memoryBytes ?? defaults.memoryBytes;
  const withStdin = request.stdin !== undefined;
  return {
    name,
    Image: request.image,
    Cmd: request.argv,
    ...(request.user ? { User: request.user } : {}),
    Env: Object.entries(request.env ?? {}).map(([key, value]) => `${key}=${value}`).sort(),
    Labels: taskLabels(request, deadline),
    // stdin stays open until we have written to it; StdinOnce closes it for the task after that
    AttachStdin: withStdin,
    OpenStdin: withStdin,
    StdinOnce: withStdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    ...(network === 'none' ? { NetworkDisabled: true } : {}),
    HostConfig: {
      NetworkMode: network,
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: request.capabilities ?? [],
      SecurityOpt: ['no-new-privileges:true'],
      Memory: memory,
      MemorySwap: memory,
      PidsLimit: request.pidsLimit ?? defaults.pidsLimit,
      RestartPolicy: { Name: 'no' },
      Mounts: [
        ...(request.volumes ?? []).map((mount) => ({ Type: 'volume' as const, Source: mount.volume, Target: mount.target, ReadOnly: mount.readOnly })),
        ...(request.binds ?? []).map((bind) => ({ Type: 'bind' as const, Source: bind.source, Target: bind.target, ReadOnly: bind.readOnly })),
      ],
      Tmpfs: Object.fromEntries(Object.entries(request.tmpfs ?? {}).map(([path, size]) => [path, `rw,noexec,nosuid,nodev,size=${size},mode=0700`])),
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } },
    },
  };
}

/** Whether a task container may be removed by a cleanup with this filter (pure, on its labels). */
export function isRemovableTask(labels: Record<string, string> | undefined, filter: TaskCleanupFilter, now: number): boolean {
  if (!labels || labels[LABELS.managed] !== 'true' || !labels[LABELS.tenant]) return false;
  const role = labels[LABELS.role] as TaskRole | undefined;
  if (!role || !TASK_ROLES.includes(role)) return false;
  if (filter.role !== undefined && role !== filter.role) return false;
  if (filter.tenantId !== undefined && labels[LABELS.tenant] !== filter.tenantId) return false;
  if (filter.expiredOnly ?? true) {
    const deadline = Number(labels[TASK_DEADLINE_LABEL]);
    // no readable deadline: not ours to judge as abandoned
    return Number.isFinite(deadline) && deadline < now;
  }
  return true;
}
