/**
 * In-memory "Stripe side of the world": the objects, the event log, webhook delivery
 * and the state transitions Stripe performs on its own (payment, dunning, renewal).
 * The HTTP API (api.ts) and hosted pages (pages.ts) are thin layers over this.
 */
import type Stripe from 'stripe';
import {
  addInterval,
  buildCustomer,
  buildInvoice,
  buildSubscription,
  buildCardPayment,
  buildSubscriptionItem,
  isBeforeBasil,
  newId,
  renderForVersion,
  setPeriod,
  type CheckoutLineItemObject,
  type CheckoutSessionObject,
  type CustomerObject,
  type EventObject,
  type EventType,
  type Interval,
  type InvoiceObject,
  type Metadata,
  type PortalSessionObject,
  type PriceObject,
  type ProductObject,
  type StoredObject,
  type SubscriptionObject,
} from './objects.js';
import { postWebhook, serializeEvent, signPayload, type DeliveryResult } from './webhooks.js';

export interface WorldConfig {
  baseUrl: string;
  apiKey: string;
  webhookSecret: string;
  webhookUrl: string | null;
  apiVersion: string;
  legacyPeriodFields: boolean;
  deliveryTimeoutMs: number;
  /** Unix seconds used for object timestamps and billing periods. */
  now: () => number;
  /** false: the account never saved its customer portal settings, so portal sessions fail as in Stripe. */
  portalConfigured: boolean;
}

/** How a simulation hands its events to the webhook endpoint. */
export interface DeliveryOptions {
  /**
   * 'stripe' (default): the documented order of the simulation;
   * 'reverse' / 'shuffle': reordered;
   * an array of event types: exactly that sequence (omit a type to "lose" the event,
   * repeat it to deliver it twice).
   */
  order?: 'stripe' | 'reverse' | 'shuffle' | readonly EventType[];
  /** Deliver every event (true) or the listed types twice in a row, like Stripe's at-least-once retries. */
  duplicate?: boolean | readonly EventType[];
  /** Fire all deliveries at once instead of one after another (races in the receiver). */
  concurrent?: boolean;
  /** false: record the events (GET /v1/events/:id works) but do not send them. */
  deliver?: boolean;
}

export interface SimulationResult {
  /** Events created by the simulation, in the order Stripe would list them. */
  events: EventObject[];
  /** Delivery attempts in the order they were made (empty if deliver: false). */
  deliveries: DeliveryResult[];
}

export interface CheckoutCompletion extends SimulationResult {
  session: CheckoutSessionObject;
  customer: CustomerObject;
  subscription: SubscriptionObject;
  invoice: InvoiceObject;
}

export interface SubscriptionChange extends SimulationResult {
  subscription: SubscriptionObject;
  invoice: InvoiceObject | null;
}

export interface RequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

const AUTOMATIC: RequestInfo = { id: null, idempotency_key: null };

export type CancellationReason = 'cancellation_requested' | 'payment_failed' | 'payment_disputed';

export interface SessionExtras {
  lineItems: CheckoutLineItemObject[];
  subscriptionData: { metadata: Metadata; description: string | null };
}

export class StripeWorld {
  readonly products = new Map<string, ProductObject>();
  readonly prices = new Map<string, PriceObject>();
  readonly customers = new Map<string, CustomerObject>();
  readonly subscriptions = new Map<string, SubscriptionObject>();
  readonly invoices = new Map<string, InvoiceObject>();
  readonly checkoutSessions = new Map<string, CheckoutSessionObject>();
  readonly portalSessions = new Map<string, PortalSessionObject>();
  /** Data Stripe keeps about a session but does not put on the session object. */
  readonly sessionExtras = new Map<string, SessionExtras>();
  readonly events: EventObject[] = [];
  readonly deliveries: DeliveryResult[] = [];

  private readonly eventsById = new Map<string, EventObject>();
  private lastEventCreated = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly config: WorldConfig) {}

  now(): number {
    return this.config.now();
  }

  /** Resolves any stored object by id prefix (used for `expand[]`). */
  lookup(id: string): StoredObject | undefined {
    const maps: Array<[string, Map<string, StoredObject>]> = [
      ['prod_', this.products],
      ['price_', this.prices],
      ['cus_', this.customers],
      ['sub_', this.subscriptions],
      ['in_', this.invoices],
      ['cs_', this.checkoutSessions],
      ['bps_', this.portalSessions],
      ['evt_', this.eventsById],
    ];
    for (const [prefix, map] of maps) if (id.startsWith(prefix)) return map.get(id);
    return undefined;
  }

  getEvent(id: string): EventObject | undefined {
    return this.eventsById.get(id);
  }

  // ---------------------------------------------------------------- events

  /** Creates and records an event; `created` is strictly increasing per server. */
  createEvent(
    type: EventType,
    object: unknown,
    opts: { previousAttributes?: Record<string, unknown>; request?: RequestInfo; created?: number } = {},
  ): EventObject {
    // `created` is given for events Stripe creates in the same second (see burstSecond)
    const created = opts.created ?? Math.max(this.now(), this.lastEventCreated + 1);
    this.lastEventCreated = Math.max(this.lastEventCreated, created);
    // rendered in the endpoint's API version, as Stripe renders an event's data when it creates it;
    // a snapshot: later state changes must not leak into an already-emitted event
    const data = renderForVersion(structuredClone(object), this.config.apiVersion);
    const event: EventObject = {
      id: newId('evt'),
      object: 'event',
      api_version: this.config.apiVersion,
      created,
      data: opts.previousAttributes ? { object: data, previous_attributes: structuredClone(opts.previousAttributes) } : { object: data },
      livemode: false,
      pending_webhooks: this.config.webhookUrl ? 1 : 0,
      request: { ...(opts.request ?? AUTOMATIC) },
      type,
    };
    this.events.push(event);
    this.eventsById.set(event.id, event);
    return event;
  }

  /** A second for several events created at once (Stripe's Checkout sends most of its events in the same second). */
  burstSecond(): number {
    return Math.max(this.now(), this.lastEventCreated + 1);
  }

  /** Drops an event from the log (used for events that should look forged to the API). */
  forgetEvent(id: string): void {
    const index = this.events.findIndex((e) => e.id === id);
    if (index >= 0) this.events.splice(index, 1);
    this.eventsById.delete(id);
  }

  signedPayload(event: unknown, opts: { secret?: string; timestamp?: number } = {}): { payload: string; header: string } {
    const payload = serializeEvent(event);
    const header = signPayload(payload, {
      secret: opts.secret ?? this.config.webhookSecret,
      ...(opts.timestamp === undefined ? {} : { timestamp: opts.timestamp }),
    });
    return { payload, header };
  }

  /** Sends one event now (freshly signed, like each Stripe retry). */
  async deliverNow(event: EventObject): Promise<DeliveryResult> {
    const { payload, header } = this.signedPayload(event);
    return this.deliverRawNow(payload, header, { eventId: event.id, type: event.type });
  }

  async deliverRawNow(
    payload: string,
    header: string,
    meta: { eventId: string | null; type: string | null } = { eventId: null, type: null },
  ): Promise<DeliveryResult> {
    const url = this.config.webhookUrl;
    let result: DeliveryResult;
    if (!url) {
      result = { ...meta, url: '', status: 0, ok: false, responseBody: '', error: 'no webhook URL configured', durationMs: 0 };
    } else {
      result = { ...meta, ...(await postWebhook(url, payload, header, this.config.deliveryTimeoutMs)) };
    }
    if (result.ok && meta.eventId) {
      const stored = this.eventsById.get(meta.eventId);
      if (stored && stored.pending_webhooks > 0) stored.pending_webhooks -= 1;
    }
    this.deliveries.push(result);
    return result;
  }

  /** Runs `task` after everything already queued, so deliveries keep a global order. */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  dispatch(events: EventObject[], opts: DeliveryOptions = {}): Promise<DeliveryResult[]> {
    if (opts.deliver === false) return Promise.resolve([]);
    const sequence = deliverySequence(events, opts);
    return this.enqueue(async () => {
      if (opts.concurrent) return Promise.all(sequence.map((e) => this.deliverNow(e)));
      const results: DeliveryResult[] = [];
      for (const e of sequence) results.push(await this.deliverNow(e));
      return results;
    });
  }

  /** Events caused by API calls: Stripe sends them asynchronously, after the response. */
  dispatchInBackground(events: EventObject[]): void {
    if (events.length === 0) return;
    void this.dispatch(events).catch(() => undefined);
  }

  /** Resolves once every queued delivery (including background ones) has finished. */
  async idle(): Promise<void> {
    let current: Promise<unknown>;
    do {
      current = this.queue;
      await current;
    } while (current !== this.queue);
  }

  /**
   * Delivers a simulation's events (per `opts`) and returns the state plus delivery results.
   * The state is a snapshot taken before delivery, so later transitions don't rewrite it.
   */
  async settle<T extends { events: EventObject[] }>(state: T, opts: DeliveryOptions = {}): Promise<T & { deliveries: DeliveryResult[] }> {
    const snapshot = structuredClone(state);
    const deliveries = await this.dispatch(state.events, opts);
    return { ...snapshot, deliveries };
  }

  // ---------------------------------------------------------------- lookups for simulations

  requireSubscription(id: string): SubscriptionObject {
    const sub = this.subscriptions.get(id);
    if (!sub) throw new Error(`stripe test server: no such subscription ${id}`);
    return sub;
  }

  requireSession(id: string): CheckoutSessionObject {
    const session = this.checkoutSessions.get(id);
    if (!session) throw new Error(`stripe test server: no such checkout session ${id}`);
    return session;
  }

  private customerOf(sub: SubscriptionObject): CustomerObject {
    const customer = this.customers.get(sub.customer);
    if (!customer) throw new Error(`stripe test server: subscription ${sub.id} has unknown customer ${sub.customer}`);
    return customer;
  }

  private latestInvoice(sub: SubscriptionObject): InvoiceObject | null {
    return sub.latest_invoice ? (this.invoices.get(sub.latest_invoice) ?? null) : null;
  }

  // ---------------------------------------------------------------- state transitions

  createCustomer(p: Parameters<typeof buildCustomer>[1]): CustomerObject {
    const customer = buildCustomer(this.now(), p);
    this.customers.set(customer.id, customer);
    return customer;
  }

  private interval(sub: SubscriptionObject): { interval: Interval; count: number } {
    const recurring = sub.items.data[0]?.price.recurring;
    return { interval: (recurring?.interval ?? 'month') as Interval, count: recurring?.interval_count ?? 1 };
  }

  private newInvoice(
    sub: SubscriptionObject,
    reason: 'subscription_create' | 'subscription_cycle',
    periodStart: number,
    periodEnd: number,
  ): InvoiceObject {
    const customer = this.customerOf(sub);
    const seq = customer.next_invoice_sequence ?? 1;
    customer.next_invoice_sequence = seq + 1;
    const invoice = buildInvoice(this.now(), {
      customer,
      subscription: sub,
      billingReason: reason,
      periodStart,
      periodEnd,
      number: `${customer.invoice_prefix ?? 'TEST'}-${String(seq).padStart(4, '0')}`,
      hostedUrl: `${this.config.baseUrl}/i/:id`,
      productName: (id) => this.products.get(id)?.name ?? id,
    });
    this.invoices.set(invoice.id, invoice);
    sub.latest_invoice = invoice.id;
    return invoice;
  }

  private markInvoicePaid(invoice: InvoiceObject): void {
    invoice.status = 'paid';
    invoice.amount_paid = invoice.amount_due;
    invoice.amount_remaining = 0;
    invoice.attempted = true;
    invoice.attempt_count += 1;
    invoice.next_payment_attempt = null;
    invoice.status_transitions.paid_at = this.now();
  }

  private markInvoiceFailed(invoice: InvoiceObject): void {
    invoice.status = 'open';
    invoice.attempted = true;
    invoice.attempt_count += 1;
    // Smart Retries would try again in a few days.
    invoice.next_payment_attempt = this.now() + 3 * 24 * 3600;
  }

  /** Starts the next billing period (Stripe does this when the renewal invoice is created). */
  private advancePeriod(sub: SubscriptionObject): { start: number; end: number } {
    const item = sub.items.data[0];
    const start = item ? item.current_period_end : this.now();
    const { interval, count } = this.interval(sub);
    const end = addInterval(start, interval, count);
    setPeriod(sub, start, end, this.config.legacyPeriodFields);
    return { start, end };
  }

  /** Applies `mutate`; returns the changed top-level fields' old values (null if nothing changed). */
  private mutateSubscription(sub: SubscriptionObject, mutate: (sub: SubscriptionObject) => void): Record<string, unknown> | null {
    const before = structuredClone(sub);
    mutate(sub);
    const previous = diffTopLevel(before, sub);
    return Object.keys(previous).length === 0 ? null : previous;
  }

  /** Applies `mutate` and returns a customer.subscription.updated event if anything changed. */
  updateSubscription(
    sub: SubscriptionObject,
    mutate: (sub: SubscriptionObject) => void,
    request: RequestInfo = AUTOMATIC,
  ): EventObject | null {
    const previous = this.mutateSubscription(sub, mutate);
    return previous ? this.subscriptionUpdated(sub, previous, request) : null;
  }

  private subscriptionUpdated(sub: SubscriptionObject, previous: Record<string, unknown>, request: RequestInfo = AUTOMATIC): EventObject {
    return this.createEvent('customer.subscription.updated', sub, { previousAttributes: previous, request });
  }

  completeCheckoutState(sessionId: string, opts: { email?: string; name?: string; burst?: boolean } = {}): Omit<CheckoutCompletion, 'deliveries'> {
    const session = this.requireSession(sessionId);
    if (session.status !== 'open') {
      throw new Error(`stripe test server: checkout session ${sessionId} is ${session.status ?? 'not open'}`);
    }
    const extras = this.sessionExtras.get(sessionId);
    if (!extras || extras.lineItems.length === 0) throw new Error(`stripe test server: session ${sessionId} has no line items`);
    const now = this.now();

    const email = opts.email ?? session.customer_email ?? `customer+${sessionId.slice(-6).toLowerCase()}@example.com`;
    const name = opts.name ?? 'Jenny Rosen';
    const existingCustomer = session.customer ? this.customers.get(session.customer) : undefined;
    const customer = existingCustomer ?? this.createCustomer({ email, name });
    const currency = extras.lineItems[0]?.currency ?? 'eur';
    customer.currency ??= currency;

    const subId = newId('sub');
    const first = extras.lineItems[0]?.price.recurring;
    const periodEnd = addInterval(now, (first?.interval ?? 'month') as Interval, first?.interval_count ?? 1);
    const items = extras.lineItems.map((li) =>
      buildSubscriptionItem(now, {
        subscriptionId: subId,
        price: li.price,
        quantity: li.quantity ?? 1,
        periodStart: now,
        periodEnd,
      }),
    );
    const subscription = buildSubscription(now, {
      id: subId,
      customer: customer.id,
      currency,
      items,
      metadata: structuredClone(extras.subscriptionData.metadata),
      description: extras.subscriptionData.description,
      periodStart: now,
      periodEnd,
      legacyPeriodFields: this.config.legacyPeriodFields,
    });
    this.subscriptions.set(subId, subscription);

    // Stripe's first subscription invoice has period_start == period_end == creation time.
    const invoice = this.newInvoice(subscription, 'subscription_create', now, now);
    const openInvoice = structuredClone(invoice);
    this.markInvoicePaid(invoice);

    session.status = 'complete';
    session.payment_status = 'paid';
    session.customer = customer.id;
    session.subscription = subscription.id;
    session.invoice = invoice.id;
    session.url = null;
    session.customer_details = {
      address: { city: null, country: 'DE', line1: null, line2: null, postal_code: null, state: null },
      business_name: null,
      email: customer.email ?? email,
      individual_name: null,
      name: customer.name ?? name,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    };

    const events = opts.burst
      ? this.checkoutBurst({ session, customer, newCustomer: !existingCustomer, subscription, openInvoice, invoice })
      : [
          this.createEvent('checkout.session.completed', session),
          this.createEvent('customer.subscription.created', subscription),
          this.createEvent('invoice.paid', invoice),
        ];
    return { events, session, customer, subscription, invoice };
  }

  /**
   * Every event real Checkout sends for a paid subscription, most in the same second: the
   * subscription is created incomplete with an open invoice, the card is charged, the invoice
   * paid, the subscription becomes active, and the session completes. Two of them disagree
   * about the subscription's status within one second, as with real Stripe.
   */
  private checkoutBurst(p: {
    session: CheckoutSessionObject;
    customer: CustomerObject;
    newCustomer: boolean;
    subscription: SubscriptionObject;
    openInvoice: InvoiceObject;
    invoice: InvoiceObject;
  }): EventObject[] {
    const second = this.burstSecond();
    const at = { created: second };
    const payment = buildCardPayment(second, { customer: p.customer.id, amount: p.invoice.amount_paid, currency: p.invoice.currency, invoice: p.invoice.id });
    const incomplete: SubscriptionObject = { ...structuredClone(p.subscription), status: 'incomplete' };
    const draft: InvoiceObject = { ...structuredClone(p.openInvoice), status: 'draft', status_transitions: { ...p.openInvoice.status_transitions, finalized_at: null } };
    return [
      ...(p.newCustomer ? [this.createEvent('customer.created', p.customer, at)] : []),
      this.createEvent('payment_method.attached', payment.paymentMethod, at),
      this.createEvent('customer.subscription.created', incomplete, at),
      this.createEvent('invoice.created', draft, at),
      this.createEvent('invoice.finalized', p.openInvoice, at),
      this.createEvent('payment_intent.created', { ...payment.intent, status: 'requires_payment_method', amount_received: 0, latest_charge: null }, at),
      this.createEvent('charge.succeeded', payment.charge, at),
      this.createEvent('payment_intent.succeeded', payment.intent, at),
      // invoice payments exist since 2025-03-31.basil
      ...(isBeforeBasil(this.config.apiVersion) ? [] : [this.createEvent('invoice_payment.paid', payment.invoicePayment, at)]),
      this.createEvent('invoice.paid', p.invoice, at),
      this.createEvent('invoice.payment_succeeded', p.invoice, at),
      this.createEvent('customer.subscription.updated', p.subscription, { ...at, previousAttributes: { status: 'incomplete' } }),
      this.createEvent('checkout.session.completed', p.session, { created: second + 1 }),
    ];
  }

  failPaymentState(subscriptionId: string): Omit<SubscriptionChange, 'deliveries'> {
    const sub = this.requireSubscription(subscriptionId);
    assertNotCanceled(sub);
    const open = this.latestInvoice(sub);
    const events: EventObject[] = [];
    let invoice: InvoiceObject;
    if (open && open.status === 'open') {
      // A retry of the invoice that already failed: the period does not move again.
      invoice = open;
      this.markInvoiceFailed(invoice);
      events.push(this.createEvent('invoice.payment_failed', invoice));
      const updated = this.updateSubscription(sub, (s) => {
        if (s.status === 'active') s.status = 'past_due';
      });
      if (updated) events.push(updated);
    } else {
      let created: InvoiceObject | undefined;
      const previous = this.mutateSubscription(sub, (s) => {
        const { start, end } = this.advancePeriod(s);
        created = this.newInvoice(s, 'subscription_cycle', start, end);
        this.markInvoiceFailed(created);
        s.status = 'past_due';
      });
      invoice = created as InvoiceObject;
      events.push(this.createEvent('invoice.payment_failed', invoice));
      if (previous) events.push(this.subscriptionUpdated(sub, previous));
    }
    return { events, subscription: sub, invoice };
  }

  payInvoiceState(subscriptionId: string): Omit<SubscriptionChange, 'deliveries'> {
    const sub = this.requireSubscription(subscriptionId);
    assertNotCanceled(sub);
    const open = this.latestInvoice(sub);
    if (!open || open.status !== 'open') return this.renewState(subscriptionId);
    this.markInvoicePaid(open);
    const events = [this.createEvent('invoice.paid', open)];
    const updated = this.updateSubscription(sub, (s) => {
      s.status = 'active';
    });
    if (updated) events.push(updated);
    return { events, subscription: sub, invoice: open };
  }

  renewState(subscriptionId: string): Omit<SubscriptionChange, 'deliveries'> {
    const sub = this.requireSubscription(subscriptionId);
    assertNotCanceled(sub);
    if (sub.cancel_at_period_end) {
      // The period ends and the scheduled cancellation takes effect instead of a renewal.
      return this.cancelState(subscriptionId, { reason: 'cancellation_requested' });
    }
    let invoice: InvoiceObject | undefined;
    const previous = this.mutateSubscription(sub, (s) => {
      const { start, end } = this.advancePeriod(s);
      invoice = this.newInvoice(s, 'subscription_cycle', start, end);
      this.markInvoicePaid(invoice);
      s.status = 'active';
    });
    const paid = invoice as InvoiceObject;
    const events = [this.createEvent('invoice.paid', paid)];
    if (previous) events.push(this.subscriptionUpdated(sub, previous));
    return { events, subscription: sub, invoice: paid };
  }

  markUnpaidState(subscriptionId: string): Omit<SubscriptionChange, 'deliveries'> {
    const sub = this.requireSubscription(subscriptionId);
    assertNotCanceled(sub);
    const invoice = this.latestInvoice(sub);
    if (invoice && invoice.status === 'open') invoice.next_payment_attempt = null;
    const updated = this.updateSubscription(sub, (s) => {
      s.status = 'unpaid';
    });
    return { events: updated ? [updated] : [], subscription: sub, invoice };
  }

  /**
   * Stripe pauses a subscription whose trial ended without a payment method (trial_settings:
   * missing_payment_method = pause): no invoices until it is resumed. customer.subscription.paused
   * and customer.subscription.updated, in the same second.
   */
  pauseState(subscriptionId: string): Omit<SubscriptionChange, 'deliveries'> {
    const sub = this.requireSubscription(subscriptionId);
    assertNotCanceled(sub);
    if (sub.status === 'paused') throw new Error(`stripe test server: subscription ${sub.id} is already paused`);
    const previous = this.mutateSubscription(sub, (s) => {
      s.status = 'paused';
    });
    const at = { created: this.burstSecond() };
    const events = [this.createEvent('customer.subscription.paused', sub, at)];
    if (previous) events.push(this.createEvent('customer.subscription.updated', sub, { ...at, previousAttributes: previous }));
    return { events, subscription: sub, invoice: this.latestInvoice(sub) };
  }

  /** Resumes a paused subscription with a new paid period from now: invoice.paid, customer.subscription.resumed, customer.subscription.updated. */
  resumeState(subscriptionId: string): Omit<SubscriptionChange, 'deliveries'> {
    const sub = this.requireSubscription(subscriptionId);
    if (sub.status !== 'paused') throw new Error(`stripe test server: subscription ${sub.id} is ${sub.status}, not paused`);
    const now = this.now();
    let invoice: InvoiceObject | undefined;
    const previous = this.mutateSubscription(sub, (s) => {
      const { interval, count } = this.interval(s);
      const end = addInterval(now, interval, count);
      setPeriod(s, now, end, this.config.legacyPeriodFields);
      invoice = this.newInvoice(s, 'subscription_cycle', now, end);
      this.markInvoicePaid(invoice);
      s.status = 'active';
    });
    const paid = invoice as InvoiceObject;
    const at = { created: this.burstSecond() };
    const events = [this.createEvent('invoice.paid', paid, at), this.createEvent('customer.subscription.resumed', sub, at)];
    if (previous) events.push(this.createEvent('customer.subscription.updated', sub, { ...at, previousAttributes: previous }));
    return { events, subscription: sub, invoice: paid };
  }

  cancelState(
    subscriptionId: string,
    opts: {
      reason?: CancellationReason;
      comment?: string | null;
      feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
      request?: RequestInfo;
    } = {},
  ): Omit<SubscriptionChange, 'deliveries'> {
    const sub = this.requireSubscription(subscriptionId);
    assertNotCanceled(sub);
    const now = this.now();
    sub.status = 'canceled';
    sub.canceled_at = sub.cancel_at_period_end ? (sub.canceled_at ?? now) : now;
    sub.ended_at = now;
    sub.cancel_at = null;
    sub.cancellation_details = {
      comment: opts.comment ?? sub.cancellation_details?.comment ?? null,
      feedback: opts.feedback ?? sub.cancellation_details?.feedback ?? null,
      feedback_option: null,
      reason: opts.reason ?? 'cancellation_requested',
    };
    const invoice = this.latestInvoice(sub);
    const events = [this.createEvent('customer.subscription.deleted', sub, { request: opts.request ?? AUTOMATIC })];
    return { events, subscription: sub, invoice };
  }

  /** What the customer portal does with "cancel at end of billing period" configured. */
  cancelAtPeriodEndState(subscriptionId: string): Omit<SubscriptionChange, 'deliveries'> {
    const sub = this.requireSubscription(subscriptionId);
    assertNotCanceled(sub);
    const updated = this.updateSubscription(sub, (s) => {
      s.cancel_at_period_end = true;
      s.cancel_at = s.items.data[0]?.current_period_end ?? null;
      s.canceled_at = this.now();
      s.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' };
    });
    return { events: updated ? [updated] : [], subscription: sub, invoice: this.latestInvoice(sub) };
  }

  expireCheckoutState(sessionId: string, request: RequestInfo = AUTOMATIC): Omit<SimulationResult, 'deliveries'> & { session: CheckoutSessionObject } {
    const session = this.requireSession(sessionId);
    if (session.status !== 'open') throw new Error(`stripe test server: checkout session ${sessionId} is ${session.status ?? 'not open'}`);
    session.status = 'expired';
    session.url = null;
    return { events: [this.createEvent('checkout.session.expired', session, { request })], session };
  }
}

function assertNotCanceled(sub: SubscriptionObject): void {
  if (sub.status === 'canceled') throw new Error(`stripe test server: subscription ${sub.id} is already canceled`);
}

function diffTopLevel(before: object, after: object): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (JSON.stringify(b[key]) !== JSON.stringify(a[key])) previous[key] = b[key] ?? null;
  }
  return previous;
}

export function deliverySequence(events: EventObject[], opts: DeliveryOptions): EventObject[] {
  const order = opts.order ?? 'stripe';
  let sequence: EventObject[];
  if (typeof order !== 'string') {
    sequence = order.map((type) => {
      const found = events.find((e) => e.type === type);
      if (!found) throw new Error(`stripe test server: no ${type} event to deliver (have ${events.map((e) => e.type).join(', ')})`);
      return found;
    });
  } else if (order === 'reverse') {
    sequence = [...events].reverse();
  } else if (order === 'shuffle') {
    sequence = [...events];
    for (let i = sequence.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [sequence[i], sequence[j]] = [sequence[j] as EventObject, sequence[i] as EventObject];
    }
  } else {
    sequence = [...events];
  }
  const dup = opts.duplicate;
  if (dup === true) return sequence.flatMap((e) => [e, e]);
  if (dup && typeof dup !== 'boolean') return sequence.flatMap((e) => (dup.includes(e.type) ? [e, e] : [e]));
  return sequence;
}
