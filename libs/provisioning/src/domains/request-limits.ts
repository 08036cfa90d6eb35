import { TooManyRequestsError } from '#platform';
import type { RateLimits } from '#platform/limits';

// Checks on request, from the API and from the order page alike (one budget per tenant).

/** DNS checks: enough for an owner fixing records, not enough to make Allmende a DNS hammer. */
const DOMAIN_CHECK_LIMIT = { name: 'domains:verify', max: 30, windowSeconds: 3600 };

/** Each readiness run opens a few connections per domain to the tenant's host: a handful per hour is plenty. */
const READINESS_RUN_LIMIT = { name: 'readiness:run', max: 12, windowSeconds: 3600 };

export async function spendDomainCheck(limits: RateLimits, tenantId: string): Promise<void> {
  const decision = await limits.hit(DOMAIN_CHECK_LIMIT, tenantId);
  if (!decision.allowed) throw new TooManyRequestsError('domains.too_many_checks', `Too many DNS checks for this instance; try again in ${decision.retryAfterSeconds} s`, decision.retryAfterSeconds);
}

export async function spendReadinessRun(limits: RateLimits, tenantId: string): Promise<void> {
  const decision = await limits.hit(READINESS_RUN_LIMIT, tenantId);
  if (!decision.allowed) throw new TooManyRequestsError('readiness.too_many_runs', `The checks ran often enough for now; try again in ${decision.retryAfterSeconds} s`, decision.retryAfterSeconds);
}
