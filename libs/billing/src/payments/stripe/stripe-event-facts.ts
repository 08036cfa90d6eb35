import type Stripe from 'stripe';
import type { SubscriptionStatus } from '../../entities/index.js';
import type { PaymentFact, SubscriptionFact } from '../payment-facts.js';

/** Stripe's subscription statuses are ours (see SubscriptionStatus); anything new is treated as unknown. */
const STATUSES: ReadonlySet<string> = new Set(['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'unpaid', 'canceled', 'paused']);

/** Stripe's status as ours; a status Stripe adds later counts as incomplete (no action) until we know it. */
export function subscriptionStatus(status: string): SubscriptionStatus {
  return STATUSES.has(status) ? (status as SubscriptionStatus) : 'incomplete';
}

const idOf = (value: string | { id: string } | null | undefined): string | null => (typeof value === 'string' ? value : (value?.id ?? null));

/** The metadata key we set on Checkout Sessions and subscriptions. */
export const ORDER_ID_KEY = 'orderId';

/**
 * Maps one Stripe event to facts. Pure: the event is all it looks at. Invoice events say
 * what the subscription's status became at that moment; the subscription events carry
 * the object itself. Either way the fact is timestamped with event.created, so whatever
 * order events arrive in, the newest state wins.
 */
export function factsFromStripeEvent(event: Stripe.Event): PaymentFact[] {
  const at = new Date(event.created * 1000);
  const source = `stripe:${event.type}`;
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = event.data.object;
      const subscriptionId = idOf(session.subscription);
      if (session.mode !== 'subscription' || !subscriptionId) return [];
      // an unpaid completed session (delayed payment methods) waits for invoice.paid
      const status: SubscriptionStatus = session.payment_status === 'unpaid' ? 'incomplete' : 'active';
      return [fact({ orderId: session.metadata?.[ORDER_ID_KEY] ?? session.client_reference_id, subscriptionId, customerId: idOf(session.customer), status, at, source })];
    }
    case 'checkout.session.expired': {
      const session = event.data.object;
      const orderId = session.metadata?.[ORDER_ID_KEY] ?? session.client_reference_id;
      return orderId ? [{ kind: 'checkout_expired', provider: 'stripe', orderId, at, source }] : [];
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
    case 'customer.subscription.paused':
    case 'customer.subscription.resumed': {
      const subscription = event.data.object;
      const status = event.type === 'customer.subscription.deleted' ? 'canceled' : subscriptionStatus(subscription.status);
      return [
        fact({
          orderId: subscription.metadata?.[ORDER_ID_KEY] ?? null,
          subscriptionId: subscription.id,
          customerId: idOf(subscription.customer),
          status,
          currentPeriodEnd: periodEnd(subscription),
          cancelAtPeriodEnd: subscription.cancel_at_period_end,
          cancelAt: cancelAt(subscription),
          at,
          source,
        }),
      ];
    }
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const invoice = event.data.object;
      const parent = subscriptionOfInvoice(invoice);
      if (!parent) return [];
      let status: SubscriptionStatus = 'active';
      // a failed first invoice leaves the subscription incomplete; a failed renewal makes it past due
      if (event.type === 'invoice.payment_failed') status = invoice.billing_reason === 'subscription_create' ? 'incomplete' : 'past_due';
      return [fact({ orderId: parent.metadata?.[ORDER_ID_KEY] ?? null, subscriptionId: parent.subscriptionId, customerId: idOf(invoice.customer), status, at, source })];
    }
    default:
      return [];
  }
}

function fact(input: Omit<SubscriptionFact, 'kind' | 'provider' | 'currentPeriodEnd' | 'cancelAtPeriodEnd'> & Partial<Pick<SubscriptionFact, 'currentPeriodEnd' | 'cancelAtPeriodEnd'>>): SubscriptionFact {
  return { kind: 'subscription', provider: 'stripe', currentPeriodEnd: null, cancelAtPeriodEnd: null, ...input };
}

/** The period lives on the items since API 2025-03-31; older accounts still send it on the subscription. */
export function periodEnd(subscription: Stripe.Subscription): Date | null {
  const legacy = (subscription as unknown as { current_period_end?: number }).current_period_end;
  const seconds = subscription.items?.data?.[0]?.current_period_end ?? legacy;
  return typeof seconds === 'number' ? new Date(seconds * 1000) : null;
}

/** A scheduled cancellation date (Stripe's cancel_at: set by "cancel at period end" and by "cancel on a date"). */
export function cancelAt(subscription: Stripe.Subscription): Date | null {
  return typeof subscription.cancel_at === 'number' ? new Date(subscription.cancel_at * 1000) : null;
}

/** How invoices looked before API 2025-03-31.basil (the fields are gone from the SDK's types). */
interface LegacyInvoiceFields {
  subscription?: string | { id: string } | null;
  subscription_details?: { metadata?: Record<string, string> | null } | null;
}

/**
 * The subscription an invoice bills. Since API 2025-03-31 it is `parent.subscription_details`;
 * events rendered in an older version (a webhook endpoint or `stripe listen` on the account's
 * default version) carry `invoice.subscription` and `invoice.subscription_details` instead.
 */
export function subscriptionOfInvoice(invoice: Stripe.Invoice): { subscriptionId: string; metadata: Record<string, string> | null } | null {
  const details = invoice.parent?.subscription_details;
  const current = idOf(details?.subscription);
  if (current) return { subscriptionId: current, metadata: details?.metadata ?? null };
  const legacy = invoice as unknown as LegacyInvoiceFields;
  const subscriptionId = idOf(legacy.subscription);
  return subscriptionId ? { subscriptionId, metadata: legacy.subscription_details?.metadata ?? null } : null;
}

/**
 * What to tell the operator when an event was rendered in another API version than the SDK
 * speaks (null when they agree). Allmende reads both invoice shapes, but other fields may
 * differ between versions, so the endpoint should send the SDK's version.
 */
export function apiVersionWarning(eventVersion: string | null | undefined, sdkVersion: string): string | null {
  if (eventVersion === sdkVersion) return null;
  return (
    `Stripe sent an event rendered in API version ${eventVersion ?? '(none)'}, but Allmende's Stripe SDK speaks ${sdkVersion}. ` +
    `Allmende reads both shapes it knows, but set the webhook endpoint's API version to ${sdkVersion} ` +
    `(Stripe dashboard: Developers -> Webhooks -> your endpoint), or run "stripe listen --latest" in development`
  );
}
