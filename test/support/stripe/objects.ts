/**
 * Wire shapes and builders for the Stripe objects the test server stores.
 *
 * The shapes are derived from the stripe SDK's own TypeScript types, so a field
 * that Stripe renamed or removed in the pinned API version fails to compile here
 * instead of silently diverging. Deviations are narrow and deliberate:
 * - references we store as ids are narrowed to `string` (expansion happens on read);
 * - `*_decimal` fields are strings on the wire (the SDK turns them into Decimal);
 * - `Subscription.current_period_start/end` no longer exist in the current API
 *   (they live on subscription items) but are added when `legacyPeriodFields` is on.
 */
import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';

export type Metadata = Record<string, string>;

export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export type ProductObject = Omit<Stripe.Product, 'default_price' | 'deleted' | 'tax_code'> & {
  default_price: string | null;
  tax_code: string | null;
};

export type PriceObject = Omit<
  Stripe.Price,
  'unit_amount_decimal' | 'product' | 'deleted' | 'currency_options' | 'tiers'
> & {
  unit_amount_decimal: string | null;
  product: string;
};

export type PlanObject = Omit<Stripe.Plan, 'amount_decimal' | 'product' | 'deleted' | 'tiers'> & {
  amount_decimal: string | null;
  product: string;
};

export type CustomerObject = Omit<
  Stripe.Customer,
  'deleted' | 'sources' | 'subscriptions' | 'tax_ids' | 'cash_balance' | 'invoice_credit_balance' | 'tax'
>;

export type SubscriptionItemObject = Omit<Stripe.SubscriptionItem, 'plan' | 'price' | 'deleted'> & {
  plan: PlanObject;
  price: PriceObject;
};

export type SubscriptionObject = Omit<
  Stripe.Subscription,
  'customer' | 'items' | 'latest_invoice' | 'default_tax_rates' | 'presentment_details' | 'status_details'
> & {
  customer: string;
  items: ListObject<SubscriptionItemObject>;
  latest_invoice: string | null;
  /** Legacy (pre-2025-03-31.basil) location; real Stripe now only has these on items. */
  current_period_start?: number;
  current_period_end?: number;
};

export type InvoiceLineItemObject = Omit<
  Stripe.InvoiceLineItem,
  'quantity_decimal' | 'pricing' | 'subscription'
> & {
  quantity_decimal: string | null;
  subscription: string | null;
  pricing: {
    type: 'price_details';
    price_details: { price: string; product: string };
    unit_amount_decimal: string | null;
  };
};

export type InvoiceObject = Omit<
  Stripe.Invoice,
  | 'customer'
  | 'lines'
  | 'deleted'
  | 'payments'
  | 'confirmation_secret'
  | 'customer_tax_ids'
  | 'status_details'
  | 'threshold_reason'
  | 'amount_paid_off_stripe'
  | 'auto_advance'
  | 'parent'
  | 'latest_revision'
> & {
  customer: string;
  lines: ListObject<InvoiceLineItemObject>;
  latest_revision: string | null;
  parent: {
    type: 'subscription_details';
    quote_details: null;
    subscription_details: { metadata: Metadata | null; subscription: string };
  };
};

export type CheckoutLineItemObject = Omit<Stripe.LineItem, 'price' | 'discounts' | 'taxes'> & {
  price: PriceObject;
};

export type CheckoutSessionObject = Omit<
  Stripe.Checkout.Session,
  | 'customer'
  | 'subscription'
  | 'invoice'
  | 'line_items'
  | 'payment_intent'
  | 'payment_link'
  | 'setup_intent'
  | 'branding_settings'
  | 'excluded_payment_method_types'
  | 'name_collection'
  | 'optional_items'
  | 'phone_number_collection'
  | 'presentment_details'
  | 'redirect_on_completion'
  | 'return_url'
  | 'tax_id_collection'
  | 'shipping_options'
> & {
  customer: string | null;
  subscription: string | null;
  invoice: string | null;
  payment_intent: null;
  payment_link: null;
  setup_intent: null;
  shipping_options: [];
};

export type PortalSessionObject = Omit<Stripe.BillingPortal.Session, 'configuration' | 'after_expiration'> & {
  configuration: string;
};

export type EventType = Stripe.Event.Type | (string & {});

export interface EventObject<T = unknown> {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: T; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: EventType;
}

/** Any object the server stores under an id. */
export type StoredObject =
  | ProductObject
  | PriceObject
  | CustomerObject
  | SubscriptionObject
  | InvoiceObject
  | CheckoutSessionObject
  | PortalSessionObject
  | EventObject;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Stripe-looking ids: prefix + base62 noise (e.g. `sub_1Q2w3E4r...`). */
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${out}`;
}

export type Interval = 'day' | 'week' | 'month' | 'year';

/** Calendar-aware period arithmetic in UTC, like Stripe's billing anchors. */
export function addInterval(unixSeconds: number, interval: Interval, count: number): number {
  const d = new Date(unixSeconds * 1000);
  switch (interval) {
    case 'day':
      d.setUTCDate(d.getUTCDate() + count);
      break;
    case 'week':
      d.setUTCDate(d.getUTCDate() + 7 * count);
      break;
    case 'month': {
      // Clamp to the month's last day (Jan 31 + 1 month = Feb 28/29), as Stripe does.
      const day = d.getUTCDate();
      d.setUTCDate(1);
      d.setUTCMonth(d.getUTCMonth() + count);
      const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
      d.setUTCDate(Math.min(day, lastDay));
      break;
    }
    case 'year':
      d.setUTCFullYear(d.getUTCFullYear() + count);
      break;
  }
  return Math.floor(d.getTime() / 1000);
}

export function list<T>(url: string, data: T[], hasMore = false): ListObject<T> {
  return { object: 'list', data, has_more: hasMore, url };
}

export function buildProduct(
  now: number,
  p: { name: string; description?: string | null; metadata?: Metadata; active?: boolean; id?: string },
): ProductObject {
  return {
    id: p.id ?? newId('prod', 14),
    object: 'product',
    active: p.active ?? true,
    created: now,
    default_price: null,
    description: p.description ?? null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: p.metadata ?? {},
    name: p.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: null,
    updated: now,
    url: null,
  };
}

export function buildPrice(
  now: number,
  p: {
    product: string;
    currency: string;
    unitAmount: number;
    recurring: { interval: Interval; interval_count: number } | null;
    lookupKey?: string | null;
    nickname?: string | null;
    metadata?: Metadata;
    active?: boolean;
    taxBehavior?: 'exclusive' | 'inclusive' | 'unspecified' | null;
  },
): PriceObject {
  return {
    id: newId('price'),
    object: 'price',
    active: p.active ?? true,
    billing_scheme: 'per_unit',
    created: now,
    currency: p.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: p.lookupKey ?? null,
    metadata: p.metadata ?? {},
    nickname: p.nickname ?? null,
    product: p.product,
    recurring: p.recurring
      ? {
          interval: p.recurring.interval,
          interval_count: p.recurring.interval_count,
          meter: null,
          trial_period_days: null,
          usage_type: 'licensed',
        }
      : null,
    tax_behavior: p.taxBehavior ?? 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: p.recurring ? 'recurring' : 'one_time',
    unit_amount: p.unitAmount,
    unit_amount_decimal: String(p.unitAmount),
  };
}

/** Stripe still embeds the legacy Plan next to the Price on subscription items. */
export function planFromPrice(price: PriceObject): PlanObject {
  const recurring = price.recurring ?? { interval: 'month', interval_count: 1 };
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: recurring.interval,
    interval_count: recurring.interval_count,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}

export function buildCustomer(
  now: number,
  p: { email?: string | null; name?: string | null; description?: string | null; metadata?: Metadata; phone?: string | null },
): CustomerObject {
  return {
    id: newId('cus', 14),
    object: 'customer',
    address: null,
    balance: 0,
    created: now,
    currency: null,
    default_source: null,
    delinquent: false,
    description: p.description ?? null,
    discount: null,
    email: p.email ?? null,
    invoice_prefix: randomBytes(4).toString('hex').toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: p.metadata ?? {},
    name: p.name ?? null,
    next_invoice_sequence: 1,
    phone: p.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

export function buildSubscriptionItem(
  now: number,
  p: { subscriptionId: string; price: PriceObject; quantity: number; periodStart: number; periodEnd: number },
): SubscriptionItemObject {
  return {
    id: newId('si', 14),
    object: 'subscription_item',
    billing_thresholds: null,
    created: now,
    current_period_end: p.periodEnd,
    current_period_start: p.periodStart,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: planFromPrice(p.price),
    price: structuredClone(p.price),
    quantity: p.quantity,
    subscription: p.subscriptionId,
    tax_rates: [],
  };
}

export function buildSubscription(
  now: number,
  p: {
    id: string;
    customer: string;
    currency: string;
    items: SubscriptionItemObject[];
    metadata: Metadata;
    description: string | null;
    periodStart: number;
    periodEnd: number;
    legacyPeriodFields: boolean;
  },
): SubscriptionObject {
  const sub: SubscriptionObject = {
    id: p.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: p.periodStart,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: { proration_discounts: 'included' }, type: 'flexible', updated_at: now },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: now,
    currency: p.currency,
    customer: p.customer,
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    description: p.description,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: list(`/v1/subscription_items?subscription=${p.id}`, p.items),
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: p.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: p.periodStart,
    status: 'active',
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
    trial_start: null,
  };
  setPeriod(sub, p.periodStart, p.periodEnd, p.legacyPeriodFields);
  return sub;
}

/** Moves the billing period on every item (and on the legacy top-level fields if enabled). */
export function setPeriod(sub: SubscriptionObject, start: number, end: number, legacy: boolean): void {
  for (const item of sub.items.data) {
    item.current_period_start = start;
    item.current_period_end = end;
  }
  if (legacy) {
    sub.current_period_start = start;
    sub.current_period_end = end;
  }
}

export function subscriptionAmount(sub: SubscriptionObject): number {
  return sub.items.data.reduce((sum, item) => sum + (item.price.unit_amount ?? 0) * (item.quantity ?? 1), 0);
}

export function buildInvoice(
  now: number,
  p: {
    customer: CustomerObject;
    subscription: SubscriptionObject;
    billingReason: 'subscription_create' | 'subscription_cycle';
    periodStart: number;
    periodEnd: number;
    number: string;
    hostedUrl: string;
    productName: (productId: string) => string;
  },
): InvoiceObject {
  const id = newId('in');
  const sub = p.subscription;
  const lines = sub.items.data.map((item): InvoiceLineItemObject => {
    const quantity = item.quantity ?? 1;
    const amount = (item.price.unit_amount ?? 0) * quantity;
    return {
      id: newId('il'),
      object: 'line_item',
      amount,
      currency: sub.currency,
      description: `${quantity} × ${p.productName(item.price.product)} (at ${formatAmount(item.price.unit_amount ?? 0, sub.currency)} / ${item.price.recurring?.interval ?? 'month'})`,
      discount_amounts: [],
      discountable: true,
      discounts: [],
      invoice: id,
      livemode: false,
      metadata: {},
      parent: {
        type: 'subscription_item_details',
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: null,
          proration: false,
          proration_details: { credited_items: null },
          subscription: sub.id,
          subscription_item: item.id,
        },
      },
      period: { start: item.current_period_start, end: item.current_period_end },
      pretax_credit_amounts: [],
      pricing: {
        type: 'price_details',
        price_details: { price: item.price.id, product: item.price.product },
        unit_amount_decimal: item.price.unit_amount_decimal,
      },
      quantity,
      quantity_decimal: String(quantity),
      subscription: sub.id,
      subtotal: amount,
      taxes: [],
    };
  });
  const total = lines.reduce((sum, l) => sum + l.amount, 0);
  return {
    id,
    object: 'invoice',
    account_country: 'DE',
    account_name: 'Allmende Test Account',
    account_tax_ids: null,
    amount_due: total,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: total,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: p.billingReason,
    collection_method: 'charge_automatically',
    created: now,
    currency: sub.currency,
    custom_fields: null,
    customer: p.customer.id,
    customer_account: null,
    customer_address: p.customer.address ?? null,
    customer_email: p.customer.email,
    customer_name: p.customer.name ?? null,
    customer_phone: p.customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: now,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: p.hostedUrl.replace(':id', id),
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: list(`/v1/invoices/${id}/lines`, lines),
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: p.number,
    on_behalf_of: null,
    parent: {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: { metadata: structuredClone(sub.metadata), subscription: sub.id },
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: p.periodEnd,
    period_start: p.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'open',
    status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: now,
  };
}

export function buildCheckoutLineItem(price: PriceObject, quantity: number, productName: string | null): CheckoutLineItemObject {
  const amount = (price.unit_amount ?? 0) * quantity;
  return {
    id: newId('li'),
    object: 'item',
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: price.currency,
    description: productName,
    metadata: {},
    price: structuredClone(price),
    quantity,
  };
}

export function buildCheckoutSession(
  now: number,
  p: {
    id: string;
    url: string;
    lineItems: CheckoutLineItemObject[];
    customer: string | null;
    customerEmail: string | null;
    clientReferenceId: string | null;
    metadata: Metadata;
    successUrl: string | null;
    cancelUrl: string | null;
    locale: Stripe.Checkout.Session.Locale | null;
  },
): CheckoutSessionObject {
  const total = p.lineItems.reduce((sum, li) => sum + li.amount_total, 0);
  return {
    id: p.id,
    object: 'checkout.session',
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: p.cancelUrl,
    client_reference_id: p.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: now,
    currency: p.lineItems[0]?.currency ?? null,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: p.customer,
    customer_account: null,
    customer_creation: p.customer ? null : 'always',
    customer_details: p.customerEmail
      ? { address: null, business_name: null, email: p.customerEmail, individual_name: null, name: null, phone: null, tax_exempt: 'none', tax_ids: null }
      : null,
    customer_email: p.customerEmail,
    discounts: [],
    expires_at: now + 24 * 3600,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    payment_intent: null,
    payment_link: null,
    setup_intent: null,
    livemode: false,
    locale: p.locale,
    managed_payments: null,
    metadata: p.metadata,
    mode: 'subscription',
    origin_context: null,
    payment_method_collection: 'always',
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: p.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted_page',
    url: p.url,
    wallet_options: null,
  };
}

export function formatAmount(minor: number, currency: string): string {
  const zeroDecimal = ['jpy', 'krw', 'vnd', 'clp', 'pyg', 'ugx', 'xaf', 'xof'].includes(currency.toLowerCase());
  const value = zeroDecimal ? minor : minor / 100;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(value);
  } catch {
    return `${value.toFixed(zeroDecimal ? 0 : 2)} ${currency.toUpperCase()}`;
  }
}

// ------------------------------------------------------------------ the rest of Checkout's burst
// Minimal shapes (picked from the SDK's types) of objects Allmende never reads, so that the
// events real Checkout sends around a payment can be sent too, with plausible bodies.

export type PaymentMethodObject = Pick<Stripe.PaymentMethod, 'id' | 'object' | 'type' | 'created' | 'livemode' | 'metadata'> & { customer: string };

export type PaymentIntentObject = Pick<Stripe.PaymentIntent, 'id' | 'object' | 'amount' | 'amount_received' | 'currency' | 'status' | 'created' | 'livemode' | 'metadata'> & {
  customer: string;
  payment_method: string;
  latest_charge: string | null;
};

export type ChargeObject = Pick<Stripe.Charge, 'id' | 'object' | 'amount' | 'amount_captured' | 'currency' | 'status' | 'paid' | 'captured' | 'created' | 'livemode' | 'metadata'> & {
  customer: string;
  payment_intent: string;
  payment_method: string;
};

export type InvoicePaymentObject = Pick<Stripe.InvoicePayment, 'id' | 'object' | 'amount_paid' | 'amount_requested' | 'currency' | 'is_default' | 'livemode' | 'status' | 'created'> & {
  invoice: string;
  payment: { type: 'payment_intent'; payment_intent: string };
};

/** The card payment behind a first invoice: payment method, succeeded payment intent, its charge, and the invoice payment. */
export function buildCardPayment(now: number, p: { customer: string; amount: number; currency: string; invoice: string }) {
  const paymentMethod: PaymentMethodObject = { id: newId('pm'), object: 'payment_method', type: 'card', created: now, livemode: false, metadata: {}, customer: p.customer };
  const intentId = newId('pi');
  const charge: ChargeObject = {
    id: newId('ch'),
    object: 'charge',
    amount: p.amount,
    amount_captured: p.amount,
    currency: p.currency,
    status: 'succeeded',
    paid: true,
    captured: true,
    created: now,
    livemode: false,
    metadata: {},
    customer: p.customer,
    payment_intent: intentId,
    payment_method: paymentMethod.id,
  };
  const intent: PaymentIntentObject = {
    id: intentId,
    object: 'payment_intent',
    amount: p.amount,
    amount_received: p.amount,
    currency: p.currency,
    status: 'succeeded',
    created: now,
    livemode: false,
    metadata: {},
    customer: p.customer,
    payment_method: paymentMethod.id,
    latest_charge: charge.id,
  };
  const invoicePayment: InvoicePaymentObject = {
    id: newId('inpay'),
    object: 'invoice_payment',
    amount_paid: p.amount,
    amount_requested: p.amount,
    currency: p.currency,
    is_default: true,
    livemode: false,
    status: 'paid',
    created: now,
    invoice: p.invoice,
    payment: { type: 'payment_intent', payment_intent: intentId },
  };
  return { paymentMethod, intent, charge, invoicePayment };
}

// ------------------------------------------------------------------ API versions

/** The API version in which invoices got `parent` and subscriptions lost their top-level period (2025-03-31.basil). */
export const BASIL = '2025-03-31';

/** Whether `version` renders objects the way Stripe did before 2025-03-31.basil. */
export function isBeforeBasil(version: string): boolean {
  return version.slice(0, 10) < BASIL;
}

/**
 * An object as an event rendered in `version` carries it. Stripe renders an event's data in
 * the API version of the endpoint (or of `stripe listen`: the account's default unless
 * `--latest`). Before 2025-03-31.basil an invoice named its subscription at the top
 * (`subscription`, `subscription_details.metadata`) and had no `parent`; a subscription carried
 * `current_period_start/end` itself. Other objects are the same in the versions modelled here.
 */
export function renderForVersion<T>(object: T, version: string): T {
  if (!isBeforeBasil(version) || typeof object !== 'object' || object === null) return object;
  const value = object as { object?: unknown };
  if (value.object === 'invoice') return legacyInvoice(object as unknown as InvoiceObject) as unknown as T;
  if (value.object === 'subscription') {
    const sub = object as unknown as SubscriptionObject;
    const item = sub.items.data[0];
    return { ...sub, current_period_start: item?.current_period_start, current_period_end: item?.current_period_end } as unknown as T;
  }
  return object;
}

function legacyInvoice(invoice: InvoiceObject): Record<string, unknown> {
  const { parent, lines, ...rest } = invoice;
  return {
    ...rest,
    subscription: parent.subscription_details.subscription,
    subscription_details: { metadata: parent.subscription_details.metadata },
    subscription_proration_date: null,
    quote: null,
    paid: invoice.status === 'paid',
    charge: null,
    payment_intent: null,
    lines: {
      ...lines,
      data: lines.data.map(({ parent: lineParent, ...line }) => ({
        ...line,
        type: 'subscription',
        subscription: lineParent?.subscription_item_details?.subscription ?? line.subscription,
        subscription_item: lineParent?.subscription_item_details?.subscription_item ?? null,
        invoice_item: null,
        proration: false,
        proration_details: { credited_items: null },
      })),
    },
  };
}
