import type { PaymentProviderName } from '../entities/index.js';
import type { CheckoutRequest, CheckoutStart, PaymentFact, ReceivedEvent, SubscriptionSnapshot } from './payment-facts.js';

/**
 * The payment provider (Stripe, or bank transfer billed by hand): the one port through
 * which billing talks to money. Bound to an adapter by configuration in the module.
 */
export abstract class PaymentProvider {
  abstract readonly name: PaymentProviderName;

  /** Starts paying for an order; idempotent per order. */
  abstract startCheckout(request: CheckoutRequest): Promise<CheckoutStart>;

  /** The payment page of an existing checkout while it can still be paid, else null. */
  abstract resumeCheckout(sessionId: string): Promise<string | null>;

  /** A page where the customer changes the card, sees invoices or cancels. */
  abstract openPortal(customerId: string, returnUrl: string): Promise<string>;

  /** Checks the signature over the exact bytes received; throws WebhookRejectedError. */
  abstract verifyWebhook(rawBody: Buffer, signature: string | undefined): ReceivedEvent;

  /** What a stored event means, as provider-neutral facts (none for events we do not act on). */
  abstract factsOf(payload: Record<string, unknown>): PaymentFact[];

  /** The subscription as the provider sees it now; null where our database is the record. */
  abstract fetchSubscription(subscriptionId: string): Promise<SubscriptionSnapshot | null>;

  /**
   * Ends the subscription at the end of the paid period (true), or keeps it going after all
   * (false). Returns the provider's state afterwards; null where our database is the record.
   */
  abstract setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean): Promise<SubscriptionSnapshot | null>;

  /**
   * Charges the plan's price from the next payment on, with nothing prorated for the period that
   * runs (a plan change). Null where our database is the record.
   */
  abstract changePlan(subscriptionId: string, plan: CheckoutRequest['plan']): Promise<SubscriptionSnapshot | null>;
}
