import { TENANT_STATES, tenantLifecycle, type TenantState } from '#domain';
import { type SubscriptionStatus } from '../entities/index.js';
import { compareFactTime, isFinal, type ManualDecision, manualPaymentDecision, nextPeriodEnd, orderStateFor, tenantEventFor } from './billing-decisions.js';

const STATUSES: SubscriptionStatus[] = ['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'unpaid', 'canceled', 'paused'];

describe('tenantEventFor', () => {
  it.each<[TenantState, SubscriptionStatus, string | null]>([
    ['ordered', 'active', 'provision'],
    ['awaiting_payment', 'active', 'provision'],
    ['awaiting_payment', 'past_due', 'provision'],
    ['provisioning', 'active', null],
    ['active', 'active', null],
    ['active', 'past_due', 'payment_failed'],
    ['active', 'unpaid', 'payment_failed'],
    ['past_due', 'past_due', null],
    ['past_due', 'active', 'payment_received'],
    ['suspended', 'active', 'payment_received'],
    ['suspended', 'past_due', null],
    ['provisioning', 'past_due', null],
    ['active', 'canceled', 'terminate'],
    ['past_due', 'canceled', 'terminate'],
    ['suspended', 'canceled', 'terminate'],
    ['failed', 'canceled', 'terminate'],
    ['provisioning', 'canceled', 'terminate'],
    ['awaiting_payment', 'canceled', 'order_abandoned'],
    ['ordered', 'canceled', 'order_abandoned'],
    ['awaiting_payment', 'incomplete_expired', 'order_abandoned'],
    ['terminating', 'canceled', null],
    ['terminated', 'active', null],
    ['awaiting_payment', 'incomplete', null],
    // paused: nothing is paid any more; the grace period runs, then suspension; resuming pays again
    ['active', 'paused', 'payment_failed'],
    ['past_due', 'paused', null],
    ['suspended', 'paused', null],
    ['awaiting_payment', 'paused', null],
    ['provisioning', 'paused', null],
    ['past_due', 'active', 'payment_received'],
  ])('%s with a %s subscription -> %s', (tenant, status, event) => {
    expect(tenantEventFor(tenant, status)).toBe(event);
  });

  it('provisions a paid subscription that has ended already, so it ends in terminating like in order', () => {
    expect(tenantEventFor('awaiting_payment', 'canceled', true)).toBe('provision');
    expect(tenantEventFor('provisioning', 'canceled', true)).toBe('terminate');
  });

  it('only ever proposes transitions the tenant state machine allows', () => {
    for (const tenant of TENANT_STATES) {
      for (const status of STATUSES) {
        const event = tenantEventFor(tenant, status);
        if (event) expect(tenantLifecycle.can(tenant, event)).toBe(true);
      }
    }
  });

  it('converges: after applying the event, nothing more is proposed for the same status (except provisioning, which the worker finishes)', () => {
    for (const tenant of TENANT_STATES) {
      for (const status of STATUSES) {
        const event = tenantEventFor(tenant, status);
        if (!event) continue;
        const next = tenantLifecycle.next(tenant, event);
        if (next === 'provisioning') continue;
        expect([tenant, status, tenantEventFor(next, status)]).toEqual([tenant, status, null]);
      }
    }
  });
});

describe('orderStateFor', () => {
  it.each([
    ['pending_payment', 'active', 'paid'],
    ['pending_payment', 'past_due', 'paid'],
    ['pending_payment', 'incomplete', 'pending_payment'],
    ['pending_payment', 'paused', 'pending_payment'],
    ['paid', 'paused', 'paid'],
    ['pending_payment', 'incomplete_expired', 'expired'],
    ['paid', 'canceled', 'canceled'],
    ['canceled', 'active', 'canceled'],
    ['expired', 'active', 'expired'],
  ] as const)('%s + %s -> %s', (current, status, expected) => {
    expect(orderStateFor(current, status)).toBe(expected);
  });
});

describe('fact ordering', () => {
  it('compares times', () => {
    const t = new Date('2026-01-01T00:00:00Z');
    expect(compareFactTime(t, null)).toBe('newer');
    expect(compareFactTime(new Date(t.getTime() + 1000), t)).toBe('newer');
    expect(compareFactTime(t, t)).toBe('same');
    expect(compareFactTime(new Date(t.getTime() - 1000), t)).toBe('older');
    expect(isFinal('canceled')).toBe(true);
    expect(isFinal('past_due')).toBe(false);
  });
});

describe('manualPaymentDecision', () => {
  const NOW = new Date('2026-03-10T12:00:00Z');
  const at = (iso: string) => new Date(iso);
  const paidUntil = (iso: string, status: SubscriptionStatus = 'active') => ({ status, currentPeriodEnd: at(iso) });
  const decide = (current: Parameters<typeof manualPaymentDecision>[0], request: Parameters<typeof manualPaymentDecision>[2], orderState: Parameters<typeof manualPaymentDecision>[1] = 'paid') =>
    manualPaymentDecision(current, orderState, request, NOW, 'month');
  const record = (status: SubscriptionStatus, end: string | null): ManualDecision => ({ kind: 'record', status, currentPeriodEnd: end ? at(end) : null });

  it('a first payment pays one interval from now', () => {
    expect(decide(null, { outcome: 'paid' }, 'pending_payment')).toEqual(record('active', '2026-04-10T12:00:00Z'));
  });

  it('a plain "paid" while a paid period runs is a repeat: nothing is due', () => {
    expect(decide(paidUntil('2026-04-10T12:00:00Z'), { outcome: 'paid' })).toEqual({ kind: 'unchanged' });
  });

  it('a plain "paid" after the period ended, or while in arrears, pays the next period', () => {
    expect(decide(paidUntil('2026-03-01T00:00:00Z'), { outcome: 'paid' })).toEqual(record('active', '2026-04-10T12:00:00Z'));
    expect(decide(paidUntil('2026-03-31T00:00:00Z', 'past_due'), { outcome: 'paid' })).toEqual(record('active', '2026-04-30T00:00:00Z'));
  });

  it('a payment names the period it pays up to: a covered period is a repeat, a later one moves the end, the end never moves back', () => {
    const current = paidUntil('2026-04-10T12:00:00Z');
    expect(decide(current, { outcome: 'paid', periodEnd: at('2026-04-10T12:00:00Z') })).toEqual({ kind: 'unchanged' });
    expect(decide(current, { outcome: 'paid', periodEnd: at('2026-03-20T00:00:00Z') })).toEqual({ kind: 'unchanged' });
    expect(decide(current, { outcome: 'paid', periodEnd: at('2026-05-10T12:00:00Z') })).toEqual(record('active', '2026-05-10T12:00:00Z'));
    // an old payment repeated while in arrears does not make the club paid again
    expect(decide(paidUntil('2026-04-10T12:00:00Z', 'past_due'), { outcome: 'paid', periodEnd: at('2026-04-10T12:00:00Z') })).toEqual({ kind: 'unchanged' });
  });

  it('refuses a named period that has already ended (and is not a repeat)', () => {
    expect(decide(null, { outcome: 'paid', periodEnd: at('2026-03-01T00:00:00Z') }, 'pending_payment')).toEqual({ kind: 'refused', reason: 'period_over' });
    expect(decide(paidUntil('2026-02-01T00:00:00Z', 'past_due'), { outcome: 'paid', periodEnd: NOW })).toEqual({ kind: 'refused', reason: 'period_over' });
  });

  it('overdue: only after a payment, once', () => {
    expect(decide(null, { outcome: 'overdue' }, 'pending_payment')).toEqual({ kind: 'refused', reason: 'never_paid' });
    expect(decide(paidUntil('2026-03-01T00:00:00Z'), { outcome: 'overdue' })).toEqual(record('past_due', null));
    expect(decide(paidUntil('2026-03-01T00:00:00Z', 'past_due'), { outcome: 'overdue' })).toEqual({ kind: 'unchanged' });
    expect(decide(paidUntil('2026-03-01T00:00:00Z', 'unpaid'), { outcome: 'overdue' })).toEqual({ kind: 'unchanged' });
  });

  it('canceled ends the subscription once; nothing but a repeated cancel is accepted afterwards', () => {
    expect(decide(paidUntil('2026-04-01T00:00:00Z'), { outcome: 'canceled' })).toEqual(record('canceled', null));
    expect(decide(null, { outcome: 'canceled' }, 'pending_payment')).toEqual(record('canceled', null));
    const ended = paidUntil('2026-04-01T00:00:00Z', 'canceled');
    expect(decide(ended, { outcome: 'canceled' }, 'canceled')).toEqual({ kind: 'unchanged' });
    expect(decide(ended, { outcome: 'paid' }, 'canceled')).toEqual({ kind: 'refused', reason: 'subscription_ended' });
    expect(decide(ended, { outcome: 'overdue' }, 'canceled')).toEqual({ kind: 'refused', reason: 'subscription_ended' });
  });

  it('an expired order takes no payments', () => {
    expect(decide(null, { outcome: 'paid' }, 'expired')).toEqual({ kind: 'refused', reason: 'order_expired' });
  });

  it('counts yearly plans in years and month ends like a calendar', () => {
    expect(nextPeriodEnd(null, NOW, 'year')).toEqual(at('2027-03-10T12:00:00Z'));
    expect(nextPeriodEnd(at('2026-04-10T00:00:00Z'), NOW, 'month')).toEqual(at('2026-05-10T00:00:00Z'));
    expect(nextPeriodEnd(at('2027-01-31T08:00:00Z'), NOW, 'month')).toEqual(at('2027-02-28T08:00:00Z'));
    expect(nextPeriodEnd(at('2028-02-29T08:00:00Z'), NOW, 'year')).toEqual(at('2029-02-28T08:00:00Z'));
  });
});
