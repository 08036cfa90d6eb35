import type { BillingInterval } from '#catalog';
import type { PaymentProviderName, SubscriptionStatus } from '../entities/index.js';

/**
 * What a payment provider told us, in Allmende's words. Stripe events and an operator's
 * "marked paid" both become facts, and one service turns facts into lifecycle steps.
 */
export type PaymentFact = SubscriptionFact | CheckoutExpiredFact;

export interface SubscriptionFact {
  kind: 'subscription';
  provider: PaymentProviderName;
  /** From the metadata we attach at checkout; absent when the object did not carry it. */
  orderId: string | null;
  subscriptionId: string;
  customerId: string | null;
  status: SubscriptionStatus;
  /** null: the source does not say (e.g. an invoice event); keep what is stored. */
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean | null;
  /** A scheduled cancellation date; null: none is scheduled; absent: the source does not say (keep what is stored). */
  cancelAt?: Date | null;
  /** When the provider was in this state; older facts never overwrite newer state. */
  at: Date;
  /** Where the fact comes from, for the audit log (event type or operator action). */
  source: string;
}

export interface CheckoutExpiredFact {
  kind: 'checkout_expired';
  provider: PaymentProviderName;
  orderId: string;
  at: Date;
  source: string;
}

/** A verified webhook event, ready to be stored. */
export interface ReceivedEvent {
  id: string;
  type: string;
  created: Date;
  payload: Record<string, unknown>;
  /** The JSON exactly as received (stored as is: no second serialisation). */
  json: string;
}

/** The provider's current view of a subscription (used when two events carry the same time). */
export interface SubscriptionSnapshot {
  status: SubscriptionStatus;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
}

export interface CheckoutRequest {
  orderId: string;
  organizationId: string;
  email: string;
  plan: { code: string; name: string; stripePrice: string | null; priceCents: number; currency: string; interval: BillingInterval };
  /** The order's own page; Stripe sends the customer back to it with ?checkout=success or =canceled. */
  orderUrl: string;
  successUrl: string;
  cancelUrl: string;
}

export interface CheckoutStart {
  /** The provider's session id (Stripe cs_...), null for bank transfer. */
  sessionId: string | null;
  /** Where to send the customer next. */
  url: string;
}
