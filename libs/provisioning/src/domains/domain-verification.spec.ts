import { isServed, nextVerification, releaseDue, type VerificationFacts, withdrawalDue } from './domain-verification.js';

const HOUR = 3_600_000;
const policy = { graceMs: 72 * HOUR, pendingReleaseMs: 14 * 24 * HOUR };
const t0 = new Date('2026-03-01T00:00:00Z');
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);
const pending: VerificationFacts = { state: 'pending', createdAt: t0, verifiedAt: null, flaggedAt: null, withdrawnAt: null };

describe('custom domain verification', () => {
  it('pending -> verified when the records are there: the edge starts serving it', () => {
    expect(nextVerification(pending, 'present', at(1), policy, true)).toEqual({ ...pending, state: 'verified', verifiedAt: at(1), effect: 'serve', notice: null });
  });

  it('stays pending while the records are missing, and is released after the release period (never a primary domain)', () => {
    expect(nextVerification(pending, 'missing', at(24), policy, true)).toMatchObject({ state: 'pending', effect: 'none' });
    expect(nextVerification(pending, 'missing', at(14 * 24), policy, true)).toMatchObject({ state: 'pending', effect: 'release' });
    expect(nextVerification(pending, 'missing', at(14 * 24), policy, false)).toMatchObject({ state: 'pending', effect: 'none' });
    expect(releaseDue(pending, policy)).toEqual(at(14 * 24));
  });

  it('verified -> flagged when the records disappear (the owner is told), served through the grace period, then withdrawn', () => {
    const verified = { ...pending, state: 'verified' as const, verifiedAt: at(1) };
    const flagged = nextVerification(verified, 'missing', at(10), policy, true);
    expect(flagged).toMatchObject({ state: 'flagged', flaggedAt: at(10), effect: 'none', notice: 'flagged' });
    expect(isServed(flagged.state)).toBe(true);
    expect(withdrawalDue(flagged, policy)).toEqual(at(82));
    expect(nextVerification(flagged, 'missing', at(81), policy, true)).toMatchObject({ state: 'flagged', flaggedAt: at(10), effect: 'none', notice: null });
    const withdrawn = nextVerification(flagged, 'missing', at(82), policy, true);
    expect(withdrawn).toMatchObject({ state: 'withdrawn', withdrawnAt: at(82), effect: 'withdraw', notice: 'withdrawn' });
    expect(isServed(withdrawn.state)).toBe(false);
  });

  it('flagged -> verified when the records come back within the grace (still served: nothing for the edge to do)', () => {
    const flagged = { ...pending, state: 'flagged' as const, verifiedAt: at(1), flaggedAt: at(10) };
    expect(nextVerification(flagged, 'present', at(20), policy, true)).toMatchObject({ state: 'verified', flaggedAt: null, verifiedAt: at(20), effect: 'none', notice: 'restored' });
  });

  it('withdrawn -> verified when the records come back: served again', () => {
    const withdrawn = { ...pending, state: 'withdrawn' as const, verifiedAt: at(1), flaggedAt: at(10), withdrawnAt: at(82) };
    expect(nextVerification(withdrawn, 'present', at(100), policy, true)).toMatchObject({ state: 'verified', flaggedAt: null, withdrawnAt: null, effect: 'serve', notice: 'restored' });
    expect(nextVerification(withdrawn, 'missing', at(82 + 14 * 24), policy, true)).toMatchObject({ effect: 'release' });
  });

  it('without a grace period a lost domain is withdrawn at once', () => {
    const verified = { ...pending, state: 'verified' as const, verifiedAt: at(1) };
    expect(nextVerification(verified, 'missing', at(2), { ...policy, graceMs: 0 }, true)).toMatchObject({ state: 'withdrawn', flaggedAt: at(2), withdrawnAt: at(2), effect: 'withdraw', notice: 'withdrawn' });
  });

  it('decides nothing when DNS did not answer in time', () => {
    for (const state of ['pending', 'verified', 'flagged', 'withdrawn'] as const) {
      const facts = { ...pending, state, flaggedAt: state === 'flagged' ? t0 : null, withdrawnAt: state === 'withdrawn' ? t0 : null };
      expect(nextVerification(facts, 'unknown', at(10_000), policy, true)).toEqual({ ...facts, effect: 'none', notice: null });
    }
  });
});
