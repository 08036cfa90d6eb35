import { TENANT_STATES, tenantLifecycle, type TenantState } from '#domain';
import { type SubscriptionStatus } from '../entities/index.js';
import { compareFactTime, isFinal, orderStateFor, tenantEventFor } from './billing-decisions.js';

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
    ['active', 'paused', null],
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
