import { InvalidTransitionError } from './state-machine.js';
import { TENANT_STATES, TenantEvent, TenantState, tenantLifecycle } from './tenant-lifecycle.js';

// Written out by hand from the product rules, independently of the table in the code:
// every pair listed here must be allowed with this result, every other pair refused.
const ALLOWED: ReadonlyArray<[TenantState, TenantEvent, TenantState]> = [
  ['ordered', 'checkout_started', 'awaiting_payment'],
  ['ordered', 'provision', 'provisioning'],
  ['ordered', 'order_abandoned', 'terminated'],
  ['awaiting_payment', 'provision', 'provisioning'],
  ['awaiting_payment', 'order_abandoned', 'terminated'],
  ['provisioning', 'provisioned', 'active'],
  ['provisioning', 'provisioning_failed', 'failed'],
  ['provisioning', 'terminate', 'terminating'],
  ['failed', 'retry_provisioning', 'provisioning'],
  ['failed', 'terminate', 'terminating'],
  ['active', 'payment_failed', 'past_due'],
  ['active', 'terminate', 'terminating'],
  ['past_due', 'payment_received', 'active'],
  ['past_due', 'grace_expired', 'suspended'],
  ['past_due', 'terminate', 'terminating'],
  ['suspended', 'payment_received', 'active'],
  ['suspended', 'terminate', 'terminating'],
  ['terminating', 'data_deleted', 'terminated'],
];

const EVENTS: TenantEvent[] = [
  'checkout_started', 'payment_received', 'provision', 'provisioned', 'provisioning_failed', 'retry_provisioning',
  'payment_failed', 'grace_expired', 'order_abandoned', 'terminate', 'data_deleted',
];

const allowed = new Map(ALLOWED.map(([from, event, to]) => [`${from}/${event}`, to]));
const refused = TENANT_STATES.flatMap((from) => EVENTS.map((event) => [from, event] as const)).filter(
  ([from, event]) => !allowed.has(`${from}/${event}`),
);

describe('tenant lifecycle', () => {
  it('knows exactly the events the product defines', () => {
    expect([...tenantLifecycle.events].sort()).toEqual([...EVENTS].sort());
  });

  it.each(ALLOWED)('%s --%s--> %s', (from, event, to) => {
    expect(tenantLifecycle.can(from, event)).toBe(true);
    expect(tenantLifecycle.next(from, event)).toBe(to);
  });

  it.each(refused)('refuses %s --%s-->', (from, event) => {
    expect(tenantLifecycle.can(from, event)).toBe(false);
    expect(() => tenantLifecycle.next(from, event)).toThrow(InvalidTransitionError);
  });

  it('never leaves terminated', () => {
    expect(tenantLifecycle.eventsFrom('terminated')).toEqual([]);
  });

  it('names the state and the event in the error', () => {
    expect(() => tenantLifecycle.next('terminated', 'provision')).toThrow('A tenant in state "terminated" cannot provision');
  });
});
