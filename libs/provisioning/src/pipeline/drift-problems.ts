import type { Drift } from '#runtime';

/**
 * What is wrong with one app on its host, in words a person can follow. Stopped
 * containers are wrong only where the tenant should run (a suspended one stays stopped).
 */
export function driftProblems(drift: Drift, shouldRun: boolean): string[] {
  return [
    ...drift.missing.map((name) => `${name} missing`),
    ...drift.outdated.map((name) => `${name} outdated`),
    ...(shouldRun ? drift.stopped.map((name) => `${name} stopped`) : []),
    ...drift.unexpected.map((name) => `${name} unexpected`),
    ...drift.limitsChanged.map((name) => `${name} resource limits changed outside Allmende`),
  ];
}
