import { LABELS, type DeploymentPlan } from './deployment-plan.js';
import { containerCreateOptions, type ContainerSpecOptions } from './container-spec.js';

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
}

/**
 * What apply does with one planned container:
 * - create: nothing of that name exists yet
 * - replace: it exists but was made from another request (image, env, limits...); volumes stay
 * - start: it is right but not running (and is not a one-shot that already completed)
 * - keep: it is right and running, or a one-shot that completed
 */
export type ContainerAction =
  | { kind: 'create'; name: string; service: string }
  | { kind: 'replace'; name: string; service: string; id: string }
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
  inSync: boolean;
}

/** A one-shot that ran to exit code 0 is done: it is never started again for the same request. */
export function completedOneShot(observed: Pick<ObservedContainerState, 'state' | 'exitCode'>): boolean {
  return observed.state === 'exited' && observed.exitCode === 0;
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
    const done = existing.state === 'running' || (planned.oneShot && completedOneShot(existing));
    return { kind: done ? 'keep' : 'start', ...base, id: existing.id };
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
    inSync: diff.inSync,
  };
}
