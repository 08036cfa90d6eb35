import type Docker from 'dockerode';
import type { ExecRequest, ExecResult, RemovalReport } from '../container-runtime.port.js';
import { LABELS } from '../plan/deployment-plan.js';
import { isOwnedBy, nameConflict, type Labels } from '../plan/ownership.js';
import {
  checkSystemContainer, checkSystemRef, isSystemOwned, systemContainerCreateOptions, systemLabels,
  type EnsuredSystemContainer, type SystemContainerRef, type SystemContainerSpec, type SystemContainerState, type SystemNetwork, type SystemPort,
} from '../plan/system-container.js';
import { EngineError, engineCall, isNotFound, RuntimeError, statusCodeOf } from '../runtime-errors.js';
import { logTail, runExec } from './engine-exec.js';

// The dockerode side of system containers (the edge proxy): functions taking the client,
// which DockerodeRuntime delegates to. Only objects labelled for the role are ever changed.

export interface SystemContainerOptions {
  stopTimeoutSeconds: number;
  execTimeoutMs: number;
  log: (message: string) => void;
}

const nameOf = (info: { Name?: string; Names?: string[] }) => (info.Name ?? info.Names?.[0] ?? '').replace(/^\//, '');

async function inspectContainer(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | null> {
  try {
    const info = await docker.getContainer(name).inspect();
    return nameOf(info) === name ? info : null; // the engine also matches id prefixes
  } catch (error) {
    if (isNotFound(error)) return null;
    throw new EngineError(`inspect container ${name}`, error);
  }
}

async function inspectNetwork(docker: Docker, name: string): Promise<Docker.NetworkInspectInfo | null> {
  try {
    const info = await docker.getNetwork(name).inspect();
    return info.Name === name ? info : null;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw new EngineError(`inspect network ${name}`, error);
  }
}

/** The container, proven ours for this role; null when it does not exist. */
async function ownedContainer(docker: Docker, ref: SystemContainerRef): Promise<Docker.ContainerInspectInfo | null> {
  checkSystemRef(ref);
  const info = await inspectContainer(docker, ref.name);
  if (info && !isSystemOwned(info.Config.Labels as Labels, ref.role)) throw nameConflict('Container', ref.name, info.Config.Labels as Labels);
  return info;
}

async function requireContainer(docker: Docker, ref: SystemContainerRef): Promise<Docker.ContainerInspectInfo> {
  const info = await ownedContainer(docker, ref);
  if (!info) throw new RuntimeError('runtime.not_owned', `Container ${ref.name} (${ref.role}) does not exist`);
  return info;
}

async function stateOf(docker: Docker, info: Docker.ContainerInspectInfo): Promise<SystemContainerState> {
  const attached = Object.keys(info.NetworkSettings.Networks ?? {});
  // one list call for the tenant labels of every attached network
  const managed = attached.length
    ? await engineCall('list networks', () => docker.listNetworks({ filters: { label: [`${LABELS.managed}=true`] } }))
    : [];
  const tenantOf = new Map(managed.map((network) => [network.Name, network.Labels?.[LABELS.tenant] ?? null]));
  const networks: SystemNetwork[] = attached.map((name) => ({ name, tenantId: tenantOf.get(name) ?? null }));
  const ports: SystemPort[] = [];
  for (const [key, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
    const [container, protocol] = key.split('/');
    for (const binding of bindings ?? []) {
      ports.push({ container: Number(container), protocol: protocol as 'tcp' | 'udp', hostIp: binding.HostIp, hostPort: Number(binding.HostPort) });
    }
  }
  return { id: info.Id, name: nameOf(info), state: info.State.Status, running: info.State.Running && !info.State.Restarting, networks, ports };
}

async function ensureNetwork(docker: Docker, spec: SystemContainerSpec): Promise<void> {
  const existing = await inspectNetwork(docker, spec.network);
  if (existing) {
    if (!isSystemOwned(existing.Labels, spec.role)) throw nameConflict('Network', spec.network, existing.Labels);
    return;
  }
  try {
    await docker.createNetwork({ Name: spec.network, Driver: 'bridge', CheckDuplicate: true, Labels: systemLabels(spec) });
  } catch (error) {
    const raced = statusCodeOf(error) === 409 ? await inspectNetwork(docker, spec.network) : null;
    if (!raced) throw new EngineError(`create network ${spec.network}`, error);
    if (!isSystemOwned(raced.Labels, spec.role)) throw nameConflict('Network', spec.network, raced.Labels);
  }
}

async function ensureVolume(docker: Docker, spec: SystemContainerSpec, name: string): Promise<void> {
  try {
    const info = await docker.getVolume(name).inspect();
    if (!isSystemOwned(info.Labels, spec.role)) throw nameConflict('Volume', name, info.Labels);
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error instanceof RuntimeError ? error : new EngineError(`inspect volume ${name}`, error);
  }
  await engineCall(`create volume ${name}`, () => docker.createVolume({ Name: name, Driver: 'local', Labels: systemLabels(spec) }));
}

async function stopAndRemove(docker: Docker, id: string, name: string, stopTimeoutSeconds: number): Promise<void> {
  const container = docker.getContainer(id);
  try {
    await container.stop({ t: stopTimeoutSeconds });
  } catch (error) {
    const status = statusCodeOf(error);
    if (status !== 304 && status !== 404) throw new EngineError(`stop container ${name}`, error);
  }
  try {
    await container.remove({ force: true, v: false });
  } catch (error) {
    if (!isNotFound(error)) throw new EngineError(`remove container ${name}`, error);
  }
}

/**
 * Creates, replaces (when its spec-hash label differs) or starts the system container so that
 * it runs as specified; network and volumes first. Idempotent. A container this call created
 * that cannot start (e.g. its host port is taken) is removed again.
 */
export async function ensureSystemContainer(docker: Docker, spec: SystemContainerSpec, options: SystemContainerOptions): Promise<EnsuredSystemContainer> {
  checkSystemContainer(spec);
  await ensureNetwork(docker, spec);
  for (const volume of spec.volumes) await ensureVolume(docker, spec, volume.name);

  const request = systemContainerCreateOptions(spec);
  let info = await ownedContainer(docker, spec);
  let replaced = false;
  if (info && info.Config.Labels?.[LABELS.specHash] !== request.Labels![LABELS.specHash]) {
    await stopAndRemove(docker, info.Id, spec.name, options.stopTimeoutSeconds);
    options.log(`replaced system container ${spec.name}: its spec changed`);
    info = null;
    replaced = true;
  }
  let created = false;
  if (!info) {
    const container = await engineCall(`create container ${spec.name}`, () => docker.createContainer(request));
    created = true;
    options.log(`created system container ${spec.name} (${spec.image})`);
    info = await engineCall(`inspect container ${spec.name}`, () => container.inspect());
  }
  let started = false;
  if (info.State.Paused) {
    await engineCall(`unpause container ${spec.name}`, () => docker.getContainer(info!.Id).unpause());
    started = true;
  } else if (!info.State.Running) {
    try {
      await engineCall(`start container ${spec.name}`, () => docker.getContainer(info!.Id).start());
    } catch (error) {
      if (created) await docker.getContainer(info.Id).remove({ force: true }).catch(() => undefined);
      throw error;
    }
    started = true;
    options.log(`started system container ${spec.name}`);
  }
  info = await engineCall(`inspect container ${spec.name}`, () => docker.getContainer(info!.Id).inspect());
  return { ...(await stateOf(docker, info)), created, replaced, started };
}

export async function inspectSystemContainer(docker: Docker, ref: SystemContainerRef): Promise<SystemContainerState | null> {
  const info = await ownedContainer(docker, ref);
  return info ? stateOf(docker, info) : null;
}

/** The last lines the container logged, for error messages. */
export async function systemContainerLogs(docker: Docker, ref: SystemContainerRef): Promise<string> {
  const info = await requireContainer(docker, ref);
  return logTail(docker.getContainer(info.Id));
}

export async function execInSystemContainer(
  docker: Docker,
  ref: SystemContainerRef,
  argv: string[],
  request: ExecRequest,
  options: SystemContainerOptions,
): Promise<ExecResult> {
  const info = await requireContainer(docker, ref);
  return runExec(docker.getContainer(info.Id), argv, {
    env: request.env,
    user: request.user,
    stdin: request.stdin,
    maxOutputBytes: request.maxOutputBytes,
    timeoutMs: request.timeoutMs ?? options.execTimeoutMs,
    label: `exec in ${ref.name}`,
  });
}

/** Attaches the container to a tenant's network; the network's labels must prove it is that tenant's. */
export async function connectSystemContainer(docker: Docker, ref: SystemContainerRef, network: { name: string; tenantId: string }): Promise<boolean> {
  const info = await requireContainer(docker, ref);
  const target = await inspectNetwork(docker, network.name);
  if (!target) throw new RuntimeError('runtime.not_owned', `Network ${network.name} does not exist`);
  if (!isOwnedBy(target.Labels, network.tenantId)) {
    throw new RuntimeError('runtime.not_owned', `Network ${network.name} is not labelled for tenant ${network.tenantId}; ${ref.name} does not join it`);
  }
  if (info.NetworkSettings.Networks?.[network.name]) return false;
  try {
    await docker.getNetwork(target.Id).connect({ Container: info.Id });
  } catch (error) {
    // connected meanwhile by a concurrent call: the result is what was asked for
    if (statusCodeOf(error) === 403 && /already exists/i.test(new EngineError('', error).engineMessage)) return false;
    throw new EngineError(`connect ${ref.name} to network ${network.name}`, error);
  }
  return true;
}

/** Detaches the container from a tenant network (only networks labelled as some tenant's; never its own). */
export async function disconnectSystemContainer(docker: Docker, ref: SystemContainerRef, networkName: string): Promise<boolean> {
  const info = await requireContainer(docker, ref);
  if (!info.NetworkSettings.Networks?.[networkName]) return false;
  const target = await inspectNetwork(docker, networkName);
  if (!target) return false;
  const labels = target.Labels ?? {};
  if (labels[LABELS.managed] !== 'true' || !labels[LABELS.tenant]) {
    throw new RuntimeError('runtime.not_owned', `Network ${networkName} is no tenant network; ${ref.name} stays attached`);
  }
  try {
    await docker.getNetwork(target.Id).disconnect({ Container: info.Id, Force: false });
  } catch (error) {
    if (isNotFound(error) || /is not connected/i.test(new EngineError('', error).engineMessage)) return false;
    throw new EngineError(`disconnect ${ref.name} from network ${networkName}`, error);
  }
  return true;
}

/**
 * Removes the container; with `volumes`, the volumes it mounted that carry its role's labels
 * (data such as certificates goes on purpose only); with `network`, its own network when
 * nothing else is attached.
 */
export async function removeSystemContainer(
  docker: Docker,
  ref: SystemContainerRef,
  request: { volumes: boolean; network: boolean },
  options: SystemContainerOptions,
): Promise<RemovalReport> {
  const report: RemovalReport = { containers: [], volumes: [], networks: [] };
  const info = await ownedContainer(docker, ref);
  if (!info) return report;
  await stopAndRemove(docker, info.Id, ref.name, options.stopTimeoutSeconds);
  report.containers.push(ref.name);
  if (request.volumes) {
    for (const mount of info.Mounts ?? []) {
      if (mount.Type !== 'volume' || !mount.Name) continue;
      try {
        const volume = await docker.getVolume(mount.Name).inspect();
        if (!isSystemOwned(volume.Labels, ref.role)) continue;
        await docker.getVolume(mount.Name).remove();
        report.volumes.push(mount.Name);
      } catch (error) {
        if (!isNotFound(error)) throw new EngineError(`remove volume ${mount.Name}`, error);
      }
    }
  }
  if (request.network) {
    const own = Object.keys(info.NetworkSettings.Networks ?? {});
    for (const name of own) {
      const network = await inspectNetwork(docker, name);
      if (!network || !isSystemOwned(network.Labels, ref.role) || Object.keys(network.Containers ?? {}).length) continue;
      await engineCall(`remove network ${name}`, () => docker.getNetwork(network.Id).remove());
      report.networks.push(name);
    }
  }
  options.log(`removed system container ${ref.name}: ${JSON.stringify(report)}`);
  return report;
}
