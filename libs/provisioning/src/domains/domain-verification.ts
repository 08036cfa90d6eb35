import type { DomainVerificationState } from '../entities/domain.entity.js';

// The life of a custom domain's verification, as a pure decision:
//   pending --records present--> verified --records gone--> flagged --grace over--> withdrawn
//   flagged / withdrawn --records back--> verified
//   pending / withdrawn for longer than the release period --> released (the name is free again)
// "unknown" (DNS did not answer in time) decides nothing.

export interface VerificationFacts {
  state: DomainVerificationState;
  createdAt: Date;
  verifiedAt: Date | null;
  flaggedAt: Date | null;
  withdrawnAt: Date | null;
}

export interface VerificationPolicy {
  /** How long a flagged domain is still served before it is withdrawn. */
  graceMs: number;
  /** How long a never-verified or withdrawn domain keeps its name before it is released. */
  pendingReleaseMs: number;
}

/** What the edge must do: serve the name (allow its certificate), withdraw it, or nothing; release deletes the claim. */
export type VerificationEffect = 'none' | 'serve' | 'withdraw' | 'release';
/** What the owner is told by mail. */
export type VerificationNotice = 'flagged' | 'withdrawn' | 'restored';

export interface VerificationStep extends VerificationFacts {
  effect: VerificationEffect;
  notice: VerificationNotice | null;
}

/** Whether the edge serves a domain in this state (a flagged one still is, during its grace). */
export const isServed = (state: DomainVerificationState) => state === 'verified' || state === 'flagged';

/** When a flagged domain will be withdrawn. */
export function withdrawalDue(facts: Pick<VerificationFacts, 'state' | 'flaggedAt'>, policy: Pick<VerificationPolicy, 'graceMs'>): Date | null {
  return facts.state === 'flagged' && facts.flaggedAt ? new Date(facts.flaggedAt.getTime() + policy.graceMs) : null;
}

/** When an unverified (or withdrawn) claim will be released, unless it is the tenant's primary domain. */
export function releaseDue(facts: Pick<VerificationFacts, 'state' | 'createdAt' | 'withdrawnAt'>, policy: Pick<VerificationPolicy, 'pendingReleaseMs'>): Date | null {
  const since = facts.state === 'pending' ? facts.createdAt : facts.state === 'withdrawn' ? facts.withdrawnAt : null;
  return since ? new Date(since.getTime() + policy.pendingReleaseMs) : null;
}

/**
 * The next state after a check whose records were `outcome`. `releasable` is false for a
 * tenant's primary domain (its apps are configured with it): such a claim is kept.
 */
export function nextVerification(
  facts: VerificationFacts,
  outcome: 'present' | 'missing' | 'unknown',
  now: Date,
  policy: VerificationPolicy,
  releasable: boolean,
): VerificationStep {
  const same: VerificationStep = { ...facts, effect: 'none', notice: null };
  if (outcome === 'unknown') return same;
  if (outcome === 'present') {
    switch (facts.state) {
      case 'pending':
        return { ...facts, state: 'verified', verifiedAt: now, flaggedAt: null, withdrawnAt: null, effect: 'serve', notice: null };
      case 'verified':
        return same;
      case 'flagged':
        return { ...facts, state: 'verified', verifiedAt: now, flaggedAt: null, effect: 'none', notice: 'restored' };
      case 'withdrawn':
        return { ...facts, state: 'verified', verifiedAt: now, flaggedAt: null, withdrawnAt: null, effect: 'serve', notice: 'restored' };
    }
  }
  const released = (): VerificationStep => {
    const due = releaseDue(facts, policy);
    return releasable && due && now >= due ? { ...same, effect: 'release' } : same;
  };
  const withdrawIfDue = (flagged: VerificationFacts, notice: VerificationNotice | null): VerificationStep => {
    const due = withdrawalDue(flagged, policy);
    if (due && now >= due) return { ...flagged, state: 'withdrawn', withdrawnAt: now, effect: 'withdraw', notice: 'withdrawn' };
    return { ...flagged, effect: 'none', notice };
  };
  switch (facts.state) {
    case 'pending':
    case 'withdrawn':
      return released();
    case 'verified':
      return withdrawIfDue({ ...facts, state: 'flagged', flaggedAt: now }, 'flagged');
    case 'flagged':
      return withdrawIfDue(facts, null);
  }
}
