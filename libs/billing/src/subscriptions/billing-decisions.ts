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
  if (status === 'paused') {
    // nothing is being paid (e.g. a trial ended without a card): like a failed payment, the
    // club gets the grace period, then the instance is suspended; resuming makes it active again
    return tenant === 'active' ? 'payment_failed' : null;
  }
  return null; // incomplete: wait for the next event
}

/** Whether the order has been paid for, given the subscription's status. */
export function orderStateFor(current: OrderState, status: SubscriptionStatus): OrderState {
  if (current === 'expired' || current === 'canceled') return current;
  if (status === 'incomplete' || status === 'paused') return current;
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

/** What an operator records for a bank-transfer order. */
export type ManualOutcome = 'paid' | 'overdue' | 'canceled';

export interface ManualRequest {
  outcome: ManualOutcome;
  /** With paid: the end of the period the transfer pays. Without: the period that is due. */
  periodEnd?: Date;
}

export type ManualRefusal = 'subscription_ended' | 'order_expired' | 'never_paid' | 'period_over';

export type ManualDecision =
  | { kind: 'record'; status: SubscriptionStatus; currentPeriodEnd: Date | null }
  | { kind: 'unchanged' }
  | { kind: 'refused'; reason: ManualRefusal };

/**
 * What an operator's request does to a bank-transfer subscription. A payment is identified by
 * the period it pays up to: one that is already covered (a repeat, however late or concurrent)
 * changes nothing, and the period never moves back. A plain "paid" pays the period that is due,
 * so while a paid period runs nothing is due (paying ahead names the period). Repeating
 * "overdue" or "canceled" changes nothing more either.
 */
export function manualPaymentDecision(
  current: { status: SubscriptionStatus; currentPeriodEnd: Date | null } | null,
  orderState: OrderState,
  request: ManualRequest,
  now: Date,
  interval: 'month' | 'year',
): ManualDecision {
  if (current && isFinal(current.status)) return request.outcome === 'canceled' ? { kind: 'unchanged' } : { kind: 'refused', reason: 'subscription_ended' };
  if (orderState === 'expired') return { kind: 'refused', reason: 'order_expired' };
  switch (request.outcome) {
    case 'canceled':
      return { kind: 'record', status: 'canceled', currentPeriodEnd: null };
    case 'overdue':
      if (!current) return { kind: 'refused', reason: 'never_paid' };
      return IN_ARREARS.has(current.status) ? { kind: 'unchanged' } : { kind: 'record', status: 'past_due', currentPeriodEnd: null };
    case 'paid': {
      const paidUntil = current?.currentPeriodEnd ?? null;
      if (request.periodEnd) {
        if (paidUntil && request.periodEnd.getTime() <= paidUntil.getTime()) return { kind: 'unchanged' };
        if (request.periodEnd.getTime() <= now.getTime()) return { kind: 'refused', reason: 'period_over' };
        return { kind: 'record', status: 'active', currentPeriodEnd: request.periodEnd };
      }
      if (current && GOOD_STANDING.has(current.status) && paidUntil && paidUntil.getTime() > now.getTime()) return { kind: 'unchanged' };
      return { kind: 'record', status: 'active', currentPeriodEnd: nextPeriodEnd(paidUntil, now, interval) };
    }
  }
}

/** One billing interval after the later of now and the current period's end; a month after Jan 31 is Feb 28/29, as Stripe counts. */
export function nextPeriodEnd(currentEnd: Date | null, now: Date, interval: 'month' | 'year'): Date {
  const start = currentEnd && currentEnd > now ? currentEnd : now;
  const months = interval === 'year' ? 12 : 1;
  const end = new Date(start);
  end.setUTCDate(1);
  end.setUTCMonth(end.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + 1, 0)).getUTCDate();
  end.setUTCDate(Math.min(start.getUTCDate(), lastDay));
  return end;
}
