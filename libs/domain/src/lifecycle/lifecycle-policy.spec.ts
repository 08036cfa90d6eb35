import { effectsOf, graceExpired, releasesNames, retentionOver, workFor } from './lifecycle-policy.js';
import { TENANT_STATES, tenantLifecycle, type TenantEvent } from './tenant-lifecycle.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const SETTINGS = { gracePeriodDays: 14, retentionDays: 30 };
const days = (n: number) => new Date(NOW.getTime() + n * 86_400_000);

describe('lifecycle policy', () => {
  it.each([
    ['provision', 'ordered', 'provision'],
    ['provision', 'awaiting_payment', 'provision'],
    ['retry_provisioning', 'failed', 'provision'],
    ['grace_expired', 'past_due', 'suspend'],
    ['payment_received', 'suspended', 'resume'],
    ['payment_received', 'past_due', undefined],
    ['terminate', 'active', 'terminate'],
    ['payment_failed', 'active', undefined],
    ['provisioned', 'provisioning', undefined],
    ['data_deleted', 'terminating', undefined],
  ] as const)('%s from %s starts %s', (event, from, work) => {
    expect(workFor(event, from)).toBe(work);
  });

  it('starts the work every allowed transition into a state with work needs', () => {
    const needs: Record<string, string> = { provisioning: 'provision', suspended: 'suspend', terminating: 'terminate' };
    for (const from of TENANT_STATES) {
      for (const event of tenantLifecycle.eventsFrom(from) as TenantEvent[]) {
        const to = tenantLifecycle.next(from, event);
        const expected = needs[to] ?? (from === 'suspended' && to === 'active' ? 'resume' : undefined);
        expect([from, event, workFor(event, from)]).toEqual([from, event, expected]);
      }
    }
  });

  it('opens the grace period on a failed payment and closes it on payment', () => {
    expect(effectsOf('payment_failed', NOW, SETTINGS)).toEqual({ graceEndsAt: days(14) });
    expect(effectsOf('payment_received', NOW, SETTINGS)).toEqual({ graceEndsAt: null, failureReason: null });
  });

  it('schedules deletion after the retention period on termination', () => {
    expect(effectsOf('terminate', NOW, SETTINGS)).toEqual({ graceEndsAt: null, deleteDataAfter: days(30) });
    expect(effectsOf('terminate', NOW, { gracePeriodDays: 0, retentionDays: 1 }).deleteDataAfter).toEqual(days(1));
  });

  it('records why provisioning failed, and clears it on a retry', () => {
    expect(effectsOf('provisioning_failed', NOW, SETTINGS, 'image missing')).toEqual({ failureReason: 'image missing' });
    expect(effectsOf('provisioning_failed', NOW, SETTINGS)).toEqual({ failureReason: 'provisioning failed' });
    expect(effectsOf('retry_provisioning', NOW, SETTINGS)).toEqual({ failureReason: null });
    expect(effectsOf('checkout_started', NOW, SETTINGS)).toEqual({});
  });

  it('gives names back only when nothing of the tenant is served any more', () => {
    const releasing = (tenantLifecycle.events as TenantEvent[]).filter(releasesNames);
    expect(releasing.sort()).toEqual(['data_deleted', 'order_abandoned']);
    for (const event of releasing) expect(tenantLifecycle.next(tenantLifecycle.states.find((s) => tenantLifecycle.can(s, event))!, event)).toBe('terminated');
  });

  it('suspends only past-due tenants whose grace is over', () => {
    expect(graceExpired({ state: 'past_due', graceEndsAt: days(-1) }, NOW)).toBe(true);
    expect(graceExpired({ state: 'past_due', graceEndsAt: NOW }, NOW)).toBe(true);
    expect(graceExpired({ state: 'past_due', graceEndsAt: days(1) }, NOW)).toBe(false);
    expect(graceExpired({ state: 'active', graceEndsAt: days(-1) }, NOW)).toBe(false);
    expect(graceExpired({ state: 'past_due', graceEndsAt: null }, NOW)).toBe(false);
  });

  it('deletes data only after the retention period and a completed final export', () => {
    expect(retentionOver({ state: 'terminating', deleteDataAfter: days(-1) }, true, NOW)).toBe(true);
    expect(retentionOver({ state: 'terminating', deleteDataAfter: days(-1) }, false, NOW)).toBe(false);
    expect(retentionOver({ state: 'terminating', deleteDataAfter: days(1) }, true, NOW)).toBe(false);
    expect(retentionOver({ state: 'suspended', deleteDataAfter: days(-1) }, true, NOW)).toBe(false);
  });
});
