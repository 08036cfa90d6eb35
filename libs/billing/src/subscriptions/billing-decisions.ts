import type { OrderState, SubscriptionStatus } from '../entities/index.js';
import type { TenantEvent, TenantState } from '#domain';

/** Statuses in which the club has paid for the current period. */
const GOOD_STANDING: ReadonlySet<SubscriptionStatus> = new Set(['active', 'trialing']);
/** Statuses in which a payment is outstanding but the subscription goes on. */
const IN_ARREARS: ReadonlySet<SubscriptionStatus> = new Set(['past_due', 'unpaid']);
/** Statuses that end the subscription for good. */
const ENDED: ReadonlySet<SubscriptionStatus> = new Set(['canceled', 'incomplete_expired']);

const NOT_YET_PAID: ReadonlySet<TenantState> = new Set(['ordered', 'awaiting_payment']);

/**
 * The tenant event that brings a tenant in line with its subscription, or null when it
 * already is (or nothing applies from its state). Pure and idempotent: it looks only at
 * the latest known status, never at how we got there, so replays and reordering are safe.
 */
export function tenantEventFor(tenant: TenantState, status: SubscriptionStatus, everPaid = false): TenantEvent | null {
  if (GOOD_STANDING.has(status)) {
    if (NOT_YET_PAID.has(tenant)) return 'provision';
    if (tenant === 'past_due' || tenant === 'suspended') return 'payment_received';
    return null;
  }
  if (IN_ARREARS.has(status)) {
    // a subscription only exists after the first payment, so a lapse later still means it was paid once
    if (NOT_YET_PAID.has(tenant)) return 'provision';
    if (tenant === 'active') return 'payment_failed';
    return null;
  }
  if (ENDED.has(status)) {
    // paid once and already ended (its events arrived out of order): provision first, so it ends like in order
    if (NOT_YET_PAID.has(tenant)) return everPaid ? 'provision' : 'order_abandoned';
    if (['provisioning', 'active', 'past_due', 'suspended', 'failed'].includes(tenant)) return 'terminate';
    return null;
  }
  return null; // incomplete, paused: wait for the next event
}

/** Whether the order has been paid for, given the subscription's status. */
export function orderStateFor(current: OrderState, status: SubscriptionStatus): OrderState {
  if (current === 'expired' || current === 'canceled') return current;
  if (status === 'incomplete') return current;
  if (status === 'incomplete_expired') return current === 'pending_payment' ? 'expired' : current;
  if (status === 'canceled') return 'canceled';
  return 'paid';
}

export type Staleness = 'newer' | 'same' | 'older';

/** How a fact's time compares with the newest state applied (providers' clocks have whole seconds). */
export function compareFactTime(factAt: Date, appliedAt: Date | null): Staleness {
  if (!appliedAt) return 'newer';
  const difference = factAt.getTime() - appliedAt.getTime();
  return difference > 0 ? 'newer' : difference === 0 ? 'same' : 'older';
}

/** A canceled subscription stays canceled whatever arrives later (Stripe never revives one). */
export function isFinal(status: SubscriptionStatus): boolean {
  return ENDED.has(status);
}
