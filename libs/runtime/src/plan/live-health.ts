import type { ObservedContainer } from '../container-runtime.port.js';
import type { DeploymentPlan } from './deployment-plan.js';

/**
 * How an app fares, from the engine's live state (not from the last time we looked):
 * - unhealthy: a service is missing, stopped, paused, being restarted by the engine, or fails its health check
 * - degraded: everything runs, but a service was restarted lately (a crash or the OOM killer)
 * - healthy: every service runs and passes its check. The engine's first own check comes only
 *   after an interval; until then ("starting") apply's readiness check is what we know.
 */
export type AppHealth = 'healthy' | 'degraded' | 'unhealthy';

export interface HealthVerdict {
  health: AppHealth;
  /** What is wrong, one line per service, for operators and the club. Empty when healthy. */
  problems: string[];
}

export interface LiveHealthOptions {
  /** A restart this recent makes the app degraded (default 15 minutes). */
  recentRestartMs?: number;
}

const RANK: Record<AppHealth, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** The worse of two verdicts' health. */
export function worseHealth(a: AppHealth, b: AppHealth): AppHealth {
  return RANK[a] >= RANK[b] ? a : b;
}

/** One app's health from its containers as the engine reports them now. Pure. */
export function liveHealth(plan: DeploymentPlan, observed: readonly ObservedContainer[], now: Date, options: LiveHealthOptions = {}): HealthVerdict {
  const recentRestartMs = options.recentRestartMs ?? 15 * 60_000;
  let health: AppHealth = 'healthy';
  const problems: string[] = [];
  const verdict = (level: AppHealth, problem?: string) => {
    health = worseHealth(health, level);
    if (problem) problems.push(problem);
  };
  for (const planned of plan.containers) {
    if (planned.oneShot) continue; // ran to completion before its dependents started; not a running service
    const container = observed.find((candidate) => candidate.name === planned.name && candidate.app === plan.app);
    const name = planned.service;
    if (!container) {
      verdict('unhealthy', `${name} is missing`);
      continue;
    }
    const memory = container.oomKilled ? `; the last exit was the out-of-memory killer (limit ${Math.round(planned.resources.memoryBytes / 1024 / 1024)} MiB)` : '';
    const restarts = `${container.restartCount} restart${container.restartCount === 1 ? '' : 's'}`;
    if (container.state === 'restarting') {
      verdict('unhealthy', `${name} keeps stopping and is being restarted (${restarts})${memory}`);
    } else if (container.state === 'paused') {
      verdict('unhealthy', `${name} is paused`);
    } else if (container.state !== 'running') {
      verdict('unhealthy', `${name} is not running (${container.state}${container.exitCode !== null ? `, exit code ${container.exitCode}` : ''})${memory}`);
    } else if (container.health === 'unhealthy') {
      verdict('unhealthy', `${name} fails its health check`);
    } else if (container.restartCount > 0 && container.startedAt && now.getTime() - Date.parse(container.startedAt) < recentRestartMs) {
      verdict('degraded', `${name} was restarted by the engine at ${container.startedAt} (${restarts})${memory}`);
    }
  }
  return { health, problems };
}
