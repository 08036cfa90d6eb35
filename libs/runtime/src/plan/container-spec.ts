import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type Docker from 'dockerode';
import { LABELS, type DeploymentPlan, type PlannedContainer, type PlannedVolume } from './deployment-plan.js';
import { CONTAINER_USER, securityProblems, tmpfsOptions } from './container-security.js';
import { containerLabels } from './ownership.js';
import { RuntimeError } from '../runtime-errors.js';

// Pure translation of a plan into engine requests: what the adapter may create, and how.

const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const LABEL_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const NANOS_PER_SECOND = 1_000_000_000;

/** DNS alias on the tenant network: `<app>-<service>`, so two apps of a tenant may both have a "db". */
export function aliasOf(plan: DeploymentPlan, container: PlannedContainer): string {
  return `${plan.app}-${container.service}`;
}

export function volumeOfMount(plan: DeploymentPlan, reference: string): PlannedVolume | undefined {
  return plan.volumes.find((volume) => volume.key === reference) ?? plan.volumes.find((volume) => volume.name === reference);
}

/** Refuses a plan the adapter must never apply (host paths, the Docker socket) or cannot apply sensibly. */
export function checkPlan(plan: DeploymentPlan): void {
  const problems: string[] = [];
  const need = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  need(LABEL_VALUE.test(plan.tenant?.id ?? ''), 'tenant.id must be a plain identifier');
  need(LABEL_VALUE.test(plan.tenant?.slug ?? ''), 'tenant.slug must be a plain identifier');
  need(/^[a-z0-9][a-z0-9-]*$/.test(plan.app ?? ''), 'app must be lower-case letters, digits, hyphens');
  need(/^[A-Za-z0-9]+$/.test(plan.hash ?? ''), 'hash must be hex');
  need(DOCKER_NAME.test(plan.network?.name ?? ''), `network name "${plan.network?.name}" is not a Docker name`);

  const volumeNames = new Set<string>();
  for (const volume of plan.volumes) {
    need(DOCKER_NAME.test(volume.name), `volume name "${volume.name}" is not a Docker name`);
    need(!volumeNames.has(volume.name), `volume "${volume.name}" is planned twice`);
    volumeNames.add(volume.name);
  }

  const services = new Set<string>();
  const names = new Set<string>();
  for (const c of plan.containers) {
    const where = `container ${c.name}`;
    need(DOCKER_NAME.test(c.name), `${where}: not a Docker name`);
    need(/^[a-z0-9][a-z0-9-]*$/.test(c.service), `${where}: service "${c.service}" must be lower-case letters, digits, hyphens`);
    need(!services.has(c.service) && !names.has(c.name), `${where}: service or name planned twice`);
    for (const dependency of c.dependsOn) {
      need(services.has(dependency), `${where}: depends on "${dependency}", which is not planned before it`);
    }
    services.add(c.service);
    names.add(c.name);
    need(typeof c.image === 'string' && c.image.length > 0, `${where}: image missing`);
    for (const mount of c.mounts) {
      if (/^[/.~]|docker\.sock/.test(mount.volume)) {
        problems.push(`${where}: mounts host path "${mount.volume}"; only the plan's named volumes may be mounted`);
      } else {
        need(volumeOfMount(plan, mount.volume) !== undefined, `${where}: mounts "${mount.volume}", which is not a planned volume`);
      }
      need(mount.target.startsWith('/') && !mount.target.split('/').includes('..'), `${where}: mount target "${mount.target}" must be an absolute path`);
    }
    for (const [key, value] of Object.entries(c.env)) {
      need(key.length > 0 && !/[=\0]/.test(key) && !value.includes('\0'), `${where}: environment variable "${key}" is not valid`);
    }
    const { memoryBytes, nanoCpus, pidsLimit } = c.resources;
    need([memoryBytes, nanoCpus, pidsLimit].every((n) => Number.isSafeInteger(n) && n > 0), `${where}: resources must be positive integers`);
    need(['unless-stopped', 'on-failure', 'no'].includes(c.restartPolicy), `${where}: restart policy "${c.restartPolicy}" unknown`);
    problems.push(...securityProblems(c));
    need(c.stopSignal === undefined || /^SIG[A-Z0-9]{2,8}$/.test(c.stopSignal), `${where}: stop signal "${c.stopSignal}" is not a signal name`);
    for (const port of c.ports) {
      need(Number.isInteger(port.container) && port.container > 0 && port.container < 65536 && ['tcp', 'udp'].includes(port.protocol), `${where}: bad port ${port.container}/${port.protocol}`);
      need(port.hostPort === undefined || (port.publish && Number.isInteger(port.hostPort) && port.hostPort > 0 && port.hostPort < 65536), `${where}: host port ${port.hostPort} of ${port.container} is not a port, or the port is not published`);
      need(port.hostIp === undefined || (port.publish && isIP(port.hostIp) !== 0), `${where}: host address of port ${port.container} is not an IP address`);
    }
    if (c.healthcheck) {
      const h = c.healthcheck;
      need(['CMD', 'CMD-SHELL'].includes(h.test[0]) && h.test.length > 1, `${where}: healthcheck test must start with CMD or CMD-SHELL`);
      need(h.intervalSeconds > 0 && h.timeoutSeconds > 0 && h.startPeriodSeconds >= 0 && Number.isInteger(h.retries) && h.retries > 0, `${where}: healthcheck timings must be positive`);
    }
  }
  const hooks = [...plan.hooks.firstStart, ...plan.hooks.backup, ...plan.hooks.backup.flatMap((hook) => (hook.restore ? [hook.restore] : [])), ...plan.hooks.upgrade];
  for (const hook of hooks) {
    need(services.has(hook.service), `hook ${hook.name}: service "${hook.service}" is not planned`);
    need(hook.argv.length > 0, `hook ${hook.name}: argv is empty`);
    need(hook.user === undefined || CONTAINER_USER.test(hook.user), `hook ${hook.name}: user "${hook.user}" is not a user name or id`);
    need(hook.stdin === undefined || typeof hook.stdin === 'string', `hook ${hook.name}: stdin must be text`);
  }
  if (problems.length) {
    throw new RuntimeError('runtime.plan_refused', `Refusing plan for ${plan.app} of tenant ${plan.tenant?.id}: ${problems.join('; ')}`);
  }
}

export interface ContainerSpecOptions {
  /** Host address published ports bind to. */
  publishIp: string;
}

/** JSON with object keys sorted, so equal requests hash equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Hash of a create request without its hash labels: what decides whether an existing
 * container still matches the plan. A new plan that leaves this container's request
 * unchanged (e.g. only another service's env changed) does not recreate it.
 */
export function specHashOf(options: Docker.ContainerCreateOptions): string {
  const { [LABELS.planHash]: _plan, [LABELS.specHash]: _spec, ...labels } = options.Labels ?? {};
  return createHash('sha256').update(canonical({ ...options, Labels: labels })).digest('hex');
}

/**
 * The create request for one planned container: named volumes only, no privileges, limits
 * always set, every capability dropped and only the plan's added back, the root filesystem
 * read-only when planned. All of it is hashed, so a change of any of it recreates the container.
 */
export function containerCreateOptions(plan: DeploymentPlan, c: PlannedContainer, spec: ContainerSpecOptions): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of c.ports) {
    const key = `${port.container}/${port.protocol}`;
    exposed[key] = {};
    // HostPort "": the engine picks a free port; apply reports it.
    if (port.publish) bindings[key] = [{ HostIp: port.hostIp ?? spec.publishIp, HostPort: port.hostPort ? String(port.hostPort) : '' }];
  }
  const healthcheck = c.healthcheck && {
    Test: c.healthcheck.test,
    Interval: c.healthcheck.intervalSeconds * NANOS_PER_SECOND,
    Timeout: c.healthcheck.timeoutSeconds * NANOS_PER_SECOND,
    Retries: c.healthcheck.retries,
    StartPeriod: c.healthcheck.startPeriodSeconds * NANOS_PER_SECOND,
  };
  const request: Docker.ContainerCreateOptions = {
    name: c.name,
    Image: c.image,
    ...(c.entrypoint ? { Entrypoint: c.entrypoint } : {}),
    ...(c.command ? { Cmd: c.command } : {}),
    ...(c.user ? { User: c.user } : {}),
    ...(c.workingDir ? { WorkingDir: c.workingDir } : {}),
    ...(c.stopSignal ? { StopSignal: c.stopSignal } : {}),
    Env: Object.entries(c.env).map(([key, value]) => `${key}=${value}`).sort(),
    Labels: containerLabels(plan, c),
    ExposedPorts: exposed,
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    HostConfig: {
      Memory: c.resources.memoryBytes,
      MemorySwap: c.resources.memoryBytes, // no swap on top of the limit
      NanoCpus: c.resources.nanoCpus,
      PidsLimit: c.resources.pidsLimit,
      // a one-shot runs once; restarting it would rerun e.g. a migration
      RestartPolicy: { Name: c.oneShot ? 'no' : c.restartPolicy },
      Privileged: false,
      SecurityOpt: ['no-new-privileges:true'],
      CapDrop: ['ALL'],
      CapAdd: [...c.capabilities],
      ReadonlyRootfs: c.readOnlyRootFilesystem,
      Binds: [],
      Mounts: c.mounts.map((mount) => ({
        Type: 'volume' as const,
        Source: volumeOfMount(plan, mount.volume)!.name,
        Target: mount.target,
        ReadOnly: mount.readOnly,
      })),
      Tmpfs: Object.fromEntries(c.tmpfs.map((mount) => [mount.target, tmpfsOptions(mount)])),
      PortBindings: bindings,
      NetworkMode: plan.network.name,
      // bounded logs, and a driver the logs API can read back for error messages
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    },
    NetworkingConfig: { EndpointsConfig: { [plan.network.name]: { Aliases: [aliasOf(plan, c)] } } },
  };
  request.Labels = { ...request.Labels, [LABELS.specHash]: specHashOf(request) };
  return request;
}
