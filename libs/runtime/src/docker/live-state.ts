import type Docker from 'dockerode';
import type { ObservedContainer } from '../container-runtime.port.js';
import type { ContainerLimits } from '../plan/deployment-diff.js';
import { LABELS } from '../plan/deployment-plan.js';

const nameOf = (info: { Name?: string }) => (info.Name ?? '').replace(/^\//, '');

/** The limits the engine enforces now. Unset values read as 0 (the engine's "no limit"). */
export function limitsOf(info: Docker.ContainerInspectInfo): ContainerLimits {
  const host = info.HostConfig ?? {};
  return {
    memoryBytes: host.Memory ?? 0,
    memorySwapBytes: host.MemorySwap ?? 0,
    nanoCpus: host.NanoCpus ?? 0,
    pidsLimit: host.PidsLimit ?? 0,
  };
}

/** A container as the engine reports it at this moment: state, health, restarts, OOM kills, limits. */
export function observedContainerOf(info: Docker.ContainerInspectInfo): ObservedContainer {
  const labels = info.Config.Labels ?? {};
  const started = info.State.StartedAt;
  return {
    id: info.Id,
    name: nameOf(info),
    service: labels[LABELS.service] ?? '',
    app: labels[LABELS.app] ?? '',
    planHash: labels[LABELS.planHash] ?? null,
    state: info.State.Status,
    health: (info.State.Health?.Status as ObservedContainer['health'] | undefined) ?? 'none',
    role: labels[LABELS.role] ?? '',
    restartCount: info.RestartCount ?? 0,
    oomKilled: info.State.OOMKilled === true,
    exitCode: info.State.ExitCode ?? null,
    // the engine reports "0001-01-01T00:00:00Z" for a container that never started
    startedAt: started && !started.startsWith('0001-') ? started : null,
    limits: limitsOf(info),
  };
}
