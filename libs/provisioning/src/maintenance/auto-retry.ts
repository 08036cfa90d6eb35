/** How many times the reconcile loop provisions a tenant again after failures whose cause may pass. */
export const MAX_AUTOMATIC_RETRIES = 3;

/**
 * Whether a tenant whose provisioning failed for a transient cause (an engine restart, retries
 * used up while the engine was away) should be provisioned again now. After the n-th such
 * failure it waits n intervals; after MAX_AUTOMATIC_RETRIES of them a person decides. Pure.
 */
export function automaticRetryDue(transientFailuresAt: readonly Date[], now: Date, intervalMs: number, max = MAX_AUTOMATIC_RETRIES): boolean {
  const failures = transientFailuresAt.length;
  if (failures === 0 || failures > max) return false;
  const last = Math.max(...transientFailuresAt.map((at) => at.getTime()));
  return now.getTime() - last >= failures * intervalMs;
}
