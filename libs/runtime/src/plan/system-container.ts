import type Docker from 'dockerode';
import { LABELS } from './deployment-plan.js';
import { specHashOf } from './container-spec.js';
import { ROLES, type Labels } from './ownership.js';
import { RuntimeError } from '../runtime-errors.js';

// Containers Allmende runs for a Docker host itself rather than for a tenant (the edge proxy).
// Ownership: allmende.managed=true AND allmende.role=<role> AND no allmende.tenant label.
// Pure: what may be created, and how.

/** Which system container: its role label and its Docker name. */
export interface SystemContainerRef {
  role: string;
  name: string;
}

export interface SystemPort {
  container: number;
  protocol: 'tcp' | 'udp';
  /** Host address to publish on (e.g. the host's public address, or 127.0.0.1). */
  hostIp: string;
  hostPort: number;
}

export interface SystemContainerSpec extends SystemContainerRef {
  image: string;
  command?: string[];
  user?: string;
  env?: Record<string, string>;
  /** The container's own bridge network, labelled with the role; created when missing. */
  network: string;
  ports: SystemPort[];
  /** Named volumes labelled with the role, created when missing; never removed with the container. */
  volumes: { name: string; target: string }[];
  /** In-memory mounts: path -> mount options, e.g. "size=1m,mode=0700,uid=990,gid=990". */
  tmpfs?: Record<string, string>;
  readOnlyRootfs?: boolean;
  /** Every capability is dropped; these few are given back. */
  capAdd?: string[];
  /** Namespaced network sysctls, e.g. net.ipv4.ip_forward=0 for a container on several tenant networks. */
  sysctls?: Record<string, string>;
  resources: { memoryBytes: number; nanoCpus: number; pidsLimit: number };
  /** Extra labels (e.g. a test run's); the ownership labels always win. */
  labels?: Labels;
}

export interface SystemNetwork {
  name: string;
  /** allmende.tenant of the network, or null for a network that is no tenant's (e.g. the container's own). */
  tenantId: string | null;
}

export interface SystemContainerState {
  id: string;
  name: string;
  /** running, exited, created, restarting... */
  state: string;
  running: boolean;
  networks: SystemNetwork[];
  ports: SystemPort[];
}

export interface EnsuredSystemContainer extends SystemContainerState {
  /** Created by this call (it did not exist, or its spec changed: then `replaced` too). */
  created: boolean;
  replaced: boolean;
  /** Started (or unpaused) by this call. */
  started: boolean;
}

const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const ROLE = /^[a-z][a-z0-9-]{1,30}$/;
const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)$/;
const TMPFS_OPTIONS = /^[a-z0-9=,]*$/;
const TENANT_ROLES: string[] = Object.values(ROLES);

export function systemLabels(spec: SystemContainerRef & { labels?: Labels }): Labels {
  return { ...(spec.labels ?? {}), [LABELS.managed]: 'true', [LABELS.role]: spec.role };
}

/** Whether labels prove the object is Allmende's system object of this role (never a tenant's). */
export function isSystemOwned(labels: Labels | null | undefined, role: string): boolean {
  return !!labels && labels[LABELS.managed] === 'true' && labels[LABELS.role] === role && labels[LABELS.tenant] === undefined;
}

export function checkSystemRef(ref: SystemContainerRef): void {
  const problems: string[] = [];
  if (!ROLE.test(ref.role ?? '') || TENANT_ROLES.includes(ref.role)) problems.push(`role "${ref.role}" must be lower-case letters, digits, hyphens and no tenant role`);
  if (!DOCKER_NAME.test(ref.name ?? '')) problems.push(`name "${ref.name}" is not a Docker name`);
  if (problems.length) throw new RuntimeError('runtime.plan_refused', `Refusing system container: ${problems.join('; ')}`);
}

/** Refuses what a system container must never have: host paths, privileges, a tenant label. */
export function checkSystemContainer(spec: SystemContainerSpec): void {
  checkSystemRef(spec);
  const problems: string[] = [];
  const need = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  need(typeof spec.image === 'string' && spec.image.length > 0, 'image missing');
  need(DOCKER_NAME.test(spec.network ?? ''), `network "${spec.network}" is not a Docker name`);
  for (const port of spec.ports) {
    need(Number.isInteger(port.container) && port.container > 0 && port.container < 65536, `container port ${port.container} is not a port`);
    need(Number.isInteger(port.hostPort) && port.hostPort > 0 && port.hostPort < 65536, `host port ${port.hostPort} is not a port`);
    need(['tcp', 'udp'].includes(port.protocol), `protocol ${port.protocol} unknown`);
    need(IP.test(port.hostIp ?? ''), `host address "${port.hostIp}" is not an IP address`);
  }
  for (const volume of spec.volumes) {
    need(DOCKER_NAME.test(volume.name) && !/docker\.sock/.test(volume.name), `volume "${volume.name}" is not a Docker volume name`);
    need(volume.target.startsWith('/') && !volume.target.split('/').includes('..'), `volume target "${volume.target}" must be an absolute path`);
  }
  for (const [path, options] of Object.entries(spec.tmpfs ?? {})) {
    need(path.startsWith('/') && !path.split('/').includes('..'), `tmpfs path "${path}" must be an absolute path`);
    need(TMPFS_OPTIONS.test(options), `tmpfs options "${options}" may hold only letters, digits, "=" and ","`);
  }
  for (const [key, value] of Object.entries(spec.sysctls ?? {})) {
    need(/^net\.(ipv4|ipv6)\.[a-z0-9_.]+$/.test(key) && /^[0-9]{1,6}$/.test(value), `sysctl ${key}=${value} must be a numeric net.ipv4/net.ipv6 setting`);
  }
  for (const capability of spec.capAdd ?? []) need(/^[A-Z][A-Z_]+$/.test(capability), `capability "${capability}" is not a capability name`);
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    need(key.length > 0 && !/[=\0]/.test(key) && !value.includes('\0'), `environment variable "${key}" is not valid`);
  }
  const { memoryBytes, nanoCpus, pidsLimit } = spec.resources;
  need([memoryBytes, nanoCpus, pidsLimit].every((n) => Number.isSafeInteger(n) && n > 0), 'resources must be positive integers');
  need(spec.labels?.[LABELS.tenant] === undefined, 'a system container carries no tenant label');
  if (problems.length) throw new RuntimeError('runtime.plan_refused', `Refusing system container ${spec.name}: ${problems.join('; ')}`);
}

/** The create request: no privileges, every capability dropped unless given back, limits always set. */
export function systemContainerCreateOptions(spec: SystemContainerSpec): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of spec.ports) {
    const key = `${port.container}/${port.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: port.hostIp, HostPort: String(port.hostPort) });
  }
  const request: Docker.ContainerCreateOptions = {
    name: spec.name,
    Image: spec.image,
    ...(spec.command ? { Cmd: spec.command } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    Env: Object.entries(spec.env ?? {}).map(([key, value]) => `${key}=${value}`).sort(),
    Labels: systemLabels(spec),
    ExposedPorts: exposed,
    HostConfig: {
      Memory: spec.resources.memoryBytes,
      MemorySwap: spec.resources.memoryBytes,
      NanoCpus: spec.resources.nanoCpus,
      PidsLimit: spec.resources.pidsLimit,
      RestartPolicy: { Name: 'unless-stopped' },
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: [...(spec.capAdd ?? [])],
      SecurityOpt: ['no-new-privileges:true'],
      ReadonlyRootfs: spec.readOnlyRootfs ?? false,
      Sysctls: { ...(spec.sysctls ?? {}) },
      Binds: [],
      Mounts: spec.volumes.map((volume) => ({ Type: 'volume' as const, Source: volume.name, Target: volume.target, ReadOnly: false })),
      Tmpfs: { ...(spec.tmpfs ?? {}) },
      PortBindings: bindings,
      NetworkMode: spec.network,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    },
    NetworkingConfig: { EndpointsConfig: { [spec.network]: {} } },
  };
  request.Labels = { ...request.Labels, [LABELS.specHash]: specHashOf(request) };
  return request;
}
