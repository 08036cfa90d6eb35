import type { PlannedContainer, PlannedTmpfs } from './deployment-plan.js';

// The least-privilege rules every tenant container is created under, as pure functions:
// the catalog's schema and loader use them to refuse a template, checkPlan to refuse a plan.

/**
 * Capabilities a template may add back; every container starts with all of them dropped.
 * The part of Docker's default set that lets a root entrypoint prepare its files and switch
 * to its user, or bind a port below 1024. Left out on purpose: NET_RAW (forged packets on the
 * tenant network), MKNOD, SETFCAP and SETPCAP (capabilities for files or other processes),
 * SYS_CHROOT, AUDIT_WRITE, and everything beyond Docker's default set (SYS_ADMIN, NET_ADMIN,
 * SYS_PTRACE, SYS_MODULE, DAC_READ_SEARCH, SYS_RAWIO...).
 */
export const ADDABLE_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETGID', 'SETUID'] as const;
export type AddableCapability = (typeof ADDABLE_CAPABILITIES)[number];

/** `user` and `user:group`, by name or number (Docker's --user). */
export const CONTAINER_USER = /^([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})(:([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10}))?$/;
/** Octal permission bits of a tmpfs, e.g. 1777 (like /tmp) or 0755. */
export const TMPFS_MODE = /^[0-7]{3,4}$/;
const TMPFS_TARGET = /^\/[A-Za-z0-9._/-]{1,254}$/;
/** Kernel interfaces and the root itself: a tmpfs there would hide what the container needs. */
const KERNEL_PATHS = ['/proc', '/sys', '/dev'];
export const MAX_TMPFS_BYTES = 1024 ** 3;
const MAX_ID = 2 ** 31 - 1;

/** The path as Docker will mount it: no trailing slash. */
export function normalTarget(path: string): string {
  return path.replace(/\/+$/, '') || '/';
}

/** Why a tmpfs mount point is not acceptable, or undefined. */
export function tmpfsTargetProblem(target: string): string | undefined {
  const path = normalTarget(target);
  if (!TMPFS_TARGET.test(target) || path === '/') return 'must be an absolute path below / (letters, digits, . _ - /)';
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) return 'must not contain "." or ".." segments';
  if (KERNEL_PATHS.some((kernel) => path === kernel || path.startsWith(`${kernel}/`))) return `must not be in ${KERNEL_PATHS.join(', ')}`;
  return undefined;
}

/**
 * Docker's option string for one tmpfs. noexec, nosuid and nodev always: a writable place
 * must not become a place to run code from. The size is a hard limit, and what is stored
 * counts against the container's memory limit.
 */
export function tmpfsOptions(mount: PlannedTmpfs): string {
  const owner = [mount.uid === undefined ? '' : `,uid=${mount.uid}`, mount.gid === undefined ? '' : `,gid=${mount.gid}`].join('');
  return `rw,noexec,nosuid,nodev,size=${mount.sizeBytes},mode=${mount.mode}${owner}`;
}

/** Every way the container's privileges, user and writable places break the rules, as sentences. */
export function securityProblems(c: PlannedContainer): string[] {
  const problems: string[] = [];
  const where = `container ${c.name}`;
  if (!Array.isArray(c.capabilities)) {
    problems.push(`${where}: capabilities must be a list`);
  } else {
    for (const capability of c.capabilities) {
      if (!(ADDABLE_CAPABILITIES as readonly string[]).includes(capability)) {
        problems.push(`${where}: capability "${capability}" may not be added (allowed: ${ADDABLE_CAPABILITIES.join(', ')})`);
      }
    }
    if (new Set(c.capabilities).size !== c.capabilities.length) problems.push(`${where}: a capability is listed twice`);
  }
  if (typeof c.readOnlyRootFilesystem !== 'boolean') problems.push(`${where}: readOnlyRootFilesystem must be true or false`);
  if (c.user !== undefined && !CONTAINER_USER.test(c.user)) problems.push(`${where}: user "${c.user}" is not a user name or id`);
  if (!Array.isArray(c.tmpfs)) {
    problems.push(`${where}: tmpfs must be a list`);
    return problems;
  }
  const mountTargets = new Set(c.mounts.map((mount) => normalTarget(mount.target)));
  const targets = new Set<string>();
  let total = 0;
  for (const mount of c.tmpfs) {
    const target = normalTarget(mount.target ?? '');
    const problem = tmpfsTargetProblem(mount.target ?? '');
    if (problem) problems.push(`${where}: tmpfs "${mount.target}" ${problem}`);
    if (targets.has(target) || mountTargets.has(target)) problems.push(`${where}: ${target} is mounted twice`);
    targets.add(target);
    if (!Number.isSafeInteger(mount.sizeBytes) || mount.sizeBytes < 4096 || mount.sizeBytes > MAX_TMPFS_BYTES) {
      problems.push(`${where}: tmpfs ${target} size must be 4 KiB to 1 GiB`);
    } else {
      total += mount.sizeBytes;
    }
    if (!TMPFS_MODE.test(mount.mode ?? '')) problems.push(`${where}: tmpfs ${target} mode "${mount.mode}" is not octal permission bits`);
    for (const id of [mount.uid, mount.gid]) {
      if (id !== undefined && !(Number.isInteger(id) && id >= 0 && id <= MAX_ID)) problems.push(`${where}: tmpfs ${target} uid/gid must be a number`);
    }
  }
  if (total > c.resources.memoryBytes) problems.push(`${where}: its tmpfs mounts may hold ${total} bytes, more than its memory limit of ${c.resources.memoryBytes}`);
  return problems;
}
