import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { AppConfig, StripeConfig } from '#platform';
import { PaymentProviderUnavailableError, PortalNotConfiguredError, WebhookRejectedError } from '../billing-errors.js';
import type { CheckoutRequest, CheckoutStart, PaymentFact, ReceivedEvent, SubscriptionSnapshot } from '../payment-facts.js';
import { PaymentProvider } from '../payment-provider.port.js';
import { apiVersionWarning, cancelAt, factsFromStripeEvent, ORDER_ID_KEY, periodEnd, subscriptionStatus } from './stripe-event-facts.js';
import { eventEnvelopeProblem, futureSignatureProblem, SIGNATURE_TOLERANCE_SECONDS, storableJsonProblem } from './stripe-webhook-checks.js';

/**
 * The Stripe adapter: the only place that uses the Stripe SDK. Talks to real Stripe, or
 * to a Stripe-compatible test server when STRIPE_API_BASE is set.
 */
@Injectable()
export class StripePaymentProvider extends PaymentProvider {
  readonly name = 'stripe' as const;
  private readonly logger = new Logger(StripePaymentProvider.name);
  private readonly stripe: Stripe;
  private readonly webhookSecret: string;
  private readonly versionsNoticed = new Set<string>();

  constructor(config: AppConfig) {
    super();
    const stripe = config.billing.stripe as StripeConfig;
    this.stripe = new Stripe(stripe.secretKey, { ...stripe.api, maxNetworkRetries: 2, timeout: 20_000 });
    this.webhookSecret = stripe.webhookSecret;
  }

  async startCheckout(request: CheckoutRequest): Promise<CheckoutStart> {
    const price = await this.priceFor(request.plan);
    const metadata = { [ORDER_ID_KEY]: request.orderId, organizationId: request.organizationId };
    const session = await this.call('create a checkout session', () =>
      this.stripe.checkout.sessions.create(
        {
          mode: 'subscription',
          line_items: [{ price, quantity: 1 }],
          customer_email: request.email,
          client_reference_id: request.orderId,
          metadata,
          // so subscription and invoice events lead back to the order even before checkout.session.completed
          subscription_data: { metadata },
          success_url: request.successUrl,
          cancel_url: request.cancelUrl,
        },
        { idempotencyKey: `allmende-checkout-${request.orderId}` },
      ),
    );
    if (!session.url) throw new PaymentProviderUnavailableError('Stripe returned a checkout session without a payment page');
    return { sessionId: session.id, url: session.url };
  }

  async resumeCheckout(sessionId: string): Promise<string | null> {
    const session = await this.call('look up the checkout session', () => this.stripe.checkout.sessions.retrieve(sessionId));
    return session.status === 'open' ? session.url : null;
  }

  async openPortal(customerId: string, returnUrl: string): Promise<string> {
    // a portal session is a short-lived link, one per click; the key makes the SDK's retries of this click safe
    const session = await this.call('open the customer portal', () =>
      this.stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl }, { idempotencyKey: `allmende-portal-${randomUUID()}` }).catch((error: unknown) => {
        if (isPortalNotConfigured(error)) {
          this.logger.error(`Stripe: the customer portal is not configured: save the customer portal settings in the Stripe dashboard (Settings -> Billing -> Customer portal). Stripe said: ${(error as Error).message}`);
          throw new PortalNotConfiguredError();
        }
        throw error;
      }),
    );
    return session.url;
  }

  verifyWebhook(rawBody: Buffer, signature: string | undefined): ReceivedEvent {
    if (!signature) throw new WebhookRejectedError('the Stripe-Signature header is missing');
    let parsed: unknown;
    try {
      parsed = this.stripe.webhooks.constructEvent(rawBody, signature, this.webhookSecret, SIGNATURE_TOLERANCE_SECONDS);
    } catch (error) {
      throw new WebhookRejectedError(error instanceof Stripe.errors.StripeSignatureVerificationError ? 'the signature does not match or is too old' : 'the body is not a Stripe event');
    }
    // signed by Stripe, yet not something to store: refused alone, before it can join a batch
    const problem = futureSignatureProblem(signature, Math.floor(Date.now() / 1000)) ?? eventEnvelopeProblem(parsed) ?? storableJsonProblem(parsed);
    if (problem) {
      this.logger.warn(`Stripe webhook refused although correctly signed: ${problem}`);
      throw new WebhookRejectedError(problem);
    }
    const event = parsed as Stripe.Event;
    this.noticeApiVersion(event.api_version);
    return { id: event.id, type: event.type, created: new Date(event.created * 1000), payload: event as unknown as Record<string, unknown>, json: rawBody.toString('utf8') };
  }

  /** Once per version and process: events rendered in another API version than the SDK's are read, but the operator should align them. */
  private noticeApiVersion(version: string | null | undefined): void {
    const warning = apiVersionWarning(version, Stripe.API_VERSION);
    if (!warning || this.versionsNoticed.has(String(version))) return;
    this.versionsNoticed.add(String(version));
    this.logger.warn(warning);
  }

  factsOf(payload: Record<string, unknown>): PaymentFact[] {
    return factsFromStripeEvent(payload as unknown as Stripe.Event);
  }

  async fetchSubscription(subscriptionId: string): Promise<SubscriptionSnapshot> {
    const subscription = await this.call('look up the subscription', () => this.stripe.subscriptions.retrieve(subscriptionId));
    return { status: subscriptionStatus(subscription.status), currentPeriodEnd: periodEnd(subscription), cancelAtPeriodEnd: subscription.cancel_at_period_end, cancelAt: cancelAt(subscription) };
  }

  async setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean): Promise<SubscriptionSnapshot> {
    // a key per click: undoing and cancelling again are new requests, never a replay of the first
    const subscription = await this.call(cancel ? 'schedule the cancellation' : 'withdraw the cancellation', () =>
      this.stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: cancel }, { idempotencyKey: `allmende-cancel-${randomUUID()}` }),
    );
    return this.snapshotOf(subscription);
  }

  async changePlan(subscriptionId: string, plan: CheckoutRequest['plan']): Promise<SubscriptionSnapshot> {
    const price = await this.priceFor(plan);
    const current = await this.call('look up the subscription', () => this.stripe.subscriptions.retrieve(subscriptionId));
    const item = current.items.data[0];
    if (!item) throw new PaymentProviderUnavailableError(`Stripe subscription ${subscriptionId} has no item to change`);
    if (item.price.id === price) return this.snapshotOf(current);
    // the new price from the next invoice on: nothing is prorated for the period that runs
    const updated = await this.call('change the plan', () =>
      this.stripe.subscriptions.update(
        subscriptionId,
        { items: [{ id: item.id, price }], proration_behavior: 'none' },
        { idempotencyKey: `allmende-plan-${subscriptionId}-${price}-${randomUUID()}` },
      ),
    );
    return this.snapshotOf(updated);
  }

  private snapshotOf(subscription: Stripe.Subscription): SubscriptionSnapshot {
    return { status: subscriptionStatus(subscription.status), currentPeriodEnd: periodEnd(subscription), cancelAtPeriodEnd: subscription.cancel_at_period_end, cancelAt: cancelAt(subscription) };
  }

  /** A plan names a Price id (price_...) or a lookup key; its amount must be what the order form shows. */
  private async priceFor(plan: CheckoutRequest['plan']): Promise<string> {
    if (!plan.stripePrice) throw new PaymentProviderUnavailableError(`The plan ${plan.code} has no Stripe price configured`);
    const reference = plan.stripePrice;
    const price = reference.startsWith('price_')
      ? await this.call('look up the price', () => this.stripe.prices.retrieve(reference))
      : (await this.call('look up the price', () => this.stripe.prices.list({ lookup_keys: [reference], active: true, limit: 1 }))).data[0];
    if (!price) throw new PaymentProviderUnavailableError(`No active Stripe price has the lookup key ${reference}`);
    const matches =
      price.unit_amount === plan.priceCents && price.currency === plan.currency.toLowerCase() && price.recurring?.interval === plan.interval && (price.recurring?.interval_count ?? 1) === 1;
    if (!matches) {
      this.logger.error(`Stripe price ${price.id} (${reference}) does not match plan ${plan.code}: refusing to charge a different amount than shown`);
      throw new PaymentProviderUnavailableError(`The Stripe price for ${plan.code} does not match the plan's price`);
    }
    return price.id;
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof PortalNotConfiguredError) throw error;
      // Stripe errors carry no secrets; the message helps the operator
      this.logger.error(`Stripe: could not ${what}: ${(error as Error).message}`);
      if (error instanceof Stripe.errors.StripePermissionError) {
        throw new PaymentProviderUnavailableError(
          `Stripe refused the configured key the permission to ${what}. A restricted key (rk_...) needs write access to Checkout Sessions, ` +
            'Customer portal and Subscriptions (a club cancels or changes its plan on its dashboard) and read access to Prices (Stripe dashboard: Developers -> API keys)',
        );
      }
      throw new PaymentProviderUnavailableError(`The payment provider is not reachable right now (could not ${what}); please try again in a moment`);
    }
  }
}

/** Stripe's answer when the account has no saved portal configuration (an invalid request naming the portal settings). */
export function isPortalNotConfigured(error: unknown): boolean {
  if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) return false;
  return /portal/i.test(error.message) && /(settings|configuration)/i.test(error.message);
}
