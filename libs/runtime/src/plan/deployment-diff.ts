import { LABELS, type DeploymentPlan, type PlannedContainer } from './deployment-plan.js';
import { containerCreateOptions, type ContainerSpecOptions } from './container-spec.js';

/** The resource limits the engine enforces on a container right now (its HostConfig). */
export interface ContainerLimits {
  memoryBytes: number;
  memorySwapBytes: number;
  nanoCpus: number;
  pidsLimit: number;
}

/** One labelled container of a tenant's app as the engine reports it: the facts the diff needs. */
export interface ObservedContainerState {
  id: string;
  name: string;
  /** allmende.service label; '' for containers without one (volume helpers). */
  service: string;
  /** allmende.spec-hash label: the hash of the create request the container was made from. */
  specHash: string | null;
  /** Docker's state: running, exited, created, paused, restarting, dead. */
  state: string;
  exitCode: number | null;
  /**
   * The limits in force, read from the engine rather than the labels: `docker update` changes
   * them without touching the spec hash. Absent when the caller did not read them.
   */
  limits?: ContainerLimits;
}

/**
 * What apply does with one planned container:
 * - create: nothing of that name exists yet
 * - replace: it exists but was made from another request (image, env, limits...); volumes stay
 * - update: it was made from the plan's request, but its limits were changed behind our back
 *   (`docker update`): they are set back in place, without recreating it
 * - start: it is right but not running (and is not a one-shot that already completed)
 * - keep: it is right and running (or the engine is restarting it by its restart policy),
 *   or a one-shot that completed
 */
export type ContainerAction =
  | { kind: 'create'; name: string; service: string }
  | { kind: 'replace'; name: string; service: string; id: string }
  | { kind: 'update'; name: string; service: string; id: string; limits: ContainerLimits }
  | { kind: 'start'; name: string; service: string; id: string }
  | { kind: 'keep'; name: string; service: string; id: string };

export interface DeploymentDiff {
  /** One action per planned container, in the plan's start order. */
  containers: ContainerAction[];
  /** Labelled for this tenant and app, but not planned (e.g. a service the template dropped): removed by apply. */
  unexpected: { name: string; id: string }[];
  inSync: boolean;
}

/** The drift summary operators and the reconcile loop read: container names per kind of difference. */
export interface Drift {
  missing: string[];
  outdated: string[];
  stopped: string[];
  unexpected: string[];
  /** Running from the planned request, but with other resource limits (changed outside Allmende). */
  limitsChanged: string[];
  inSync: boolean;
}

/** A one-shot that ran to exit code 0 is done: it is never started again for the same request. */
export function completedOneShot(observed: Pick<ObservedContainerState, 'state' | 'exitCode'>): boolean {
  return observed.state === 'exited' && observed.exitCode === 0;
}

/** The limits a planned container must run with: the plan's resources, no swap on top of the memory limit. */
export function plannedLimits(container: PlannedContainer): ContainerLimits {
  const { memoryBytes, nanoCpus, pidsLimit } = container.resources;
  return { memoryBytes, memorySwapBytes: memoryBytes, nanoCpus, pidsLimit };
}

/** Which limits differ, in words ("memory 128 MiB instead of 256 MiB"); empty when they agree. */
export function limitDifferences(wanted: ContainerLimits, actual: ContainerLimits): string[] {
  const mib = (bytes: number) => (bytes > 0 ? `${Math.round(bytes / 1024 / 1024)} MiB` : 'unlimited');
  const cpus = (nanos: number) => `${nanos / 1e9} CPUs`;
  const differences: string[] = [];
  if (actual.memoryBytes !== wanted.memoryBytes) differences.push(`memory ${mib(actual.memoryBytes)} instead of ${mib(wanted.memoryBytes)}`);
  else if (actual.memorySwapBytes !== wanted.memorySwapBytes) differences.push(`memory+swap ${mib(actual.memorySwapBytes)} instead of ${mib(wanted.memorySwapBytes)}`);
  if (actual.nanoCpus !== wanted.nanoCpus) differences.push(`${cpus(actual.nanoCpus)} instead of ${cpus(wanted.nanoCpus)}`);
  if (actual.pidsLimit !== wanted.pidsLimit) differences.push(`pids limit ${actual.pidsLimit} instead of ${wanted.pidsLimit}`);
  return differences;
}

/**
 * Compares a plan with what the engine runs for that tenant's app. Pure: apply carries out
 * the actions, drift reports them; both see the same decision.
 */
export function diffDeployment(plan: DeploymentPlan, observed: readonly ObservedContainerState[], spec: ContainerSpecOptions): DeploymentDiff {
  const byName = new Map(observed.filter((container) => container.service !== '').map((container) => [container.name, container]));
  const containers: ContainerAction[] = plan.containers.map((planned) => {
    const existing = byName.get(planned.name);
    const base = { name: planned.name, service: planned.service };
    if (!existing) return { kind: 'create', ...base };
    const wanted = containerCreateOptions(plan, planned, spec).Labels![LABELS.specHash];
    if (existing.specHash !== wanted) return { kind: 'replace', ...base, id: existing.id };
    if (planned.oneShot && completedOneShot(existing)) return { kind: 'keep', ...base, id: existing.id };
    const limits = plannedLimits(planned);
    if (existing.limits && limitDifferences(limits, existing.limits).length > 0) return { kind: 'update', ...base, id: existing.id, limits };
    // 'restarting': the engine's restart policy is at work; starting it ourselves would not help (health says how it fares)
    const up = existing.state === 'running' || existing.state === 'restarting';
    return { kind: up ? 'keep' : 'start', ...base, id: existing.id };
  });
  const planned = new Set(plan.containers.map((container) => container.name));
  const unexpected = [...byName.values()].filter((container) => !planned.has(container.name)).map(({ name, id }) => ({ name, id }));
  return { containers, unexpected, inSync: unexpected.length === 0 && containers.every((action) => action.kind === 'keep') };
}

/** The diff as the names a person reads: what is missing, outdated, stopped or unexpected. */
export function driftOf(diff: DeploymentDiff): Drift {
  const named = (kind: ContainerAction['kind']) => diff.containers.filter((action) => action.kind === kind).map((action) => action.name);
  return {
    missing: named('create'),
    outdated: named('replace'),
    stopped: named('start'),
    unexpected: diff.unexpected.map((container) => container.name),
    limitsChanged: named('update'),
    inSync: diff.inSync,
  };
}
