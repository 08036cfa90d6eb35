/**
 * The /v1 REST subset Allmende uses. Parameters arrive already parsed from Stripe's
 * bracket form encoding; this module validates them the way Stripe does (unknown
 * top-level params are rejected, references must exist) and returns JSON bodies.
 */
import {
  buildCheckoutLineItem,
  buildCheckoutSession,
  buildPrice,
  buildProduct,
  list,
  newId,
  planFromPrice,
  type CheckoutLineItemObject,
  type CheckoutSessionObject,
  type Interval,
  type ListObject,
  type Metadata,
  type PortalSessionObject,
  type PriceObject,
  type SubscriptionObject,
} from './objects.js';
import type { RequestInfo, StripeWorld } from './world.js';

export type ParamValue = string | ParamValue[] | ParamObject;
export interface ParamObject {
  [key: string]: ParamValue | undefined;
}

export interface ApiRequest {
  method: string;
  path: string;
  params: ParamObject;
  request: RequestInfo;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface StripeErrorBody {
  error: { type: string; message: string; code?: string; param?: string; doc_url?: string };
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: { type?: string; code?: string; param?: string } = {},
  ) {
    super(message);
  }

  toBody(): StripeErrorBody {
    const { type = 'invalid_request_error', code, param } = this.details;
    return {
      error: {
        ...(code ? { code, doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}` } : {}),
        message: this.message,
        ...(param ? { param } : {}),
        type,
      },
    };
  }
}

function missing(resource: string, id: string, status: number, param = 'id'): StripeApiError {
  return new StripeApiError(status, `No such ${resource}: '${id}'`, { code: 'resource_missing', param });
}

/** Typed, Stripe-style access to a (nested) parameter object; `prefix` names errors like `line_items[0][price]`. */
class Params {
  constructor(
    readonly raw: ParamObject,
    /** Where this object sits in the request, e.g. `line_items[0]`; '' at top level. */
    readonly path = '',
  ) {}

  name(key: string): string {
    return this.path ? `${this.path}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  string(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new StripeApiError(400, `Invalid string: ${JSON.stringify(v)}`, { param: this.name(key) });
    return v;
  }

  requiredString(key: string): string {
    const v = this.string(key);
    if (v === undefined || v === '') {
      throw new StripeApiError(400, `Missing required param: ${this.name(key)}.`, { code: 'parameter_missing', param: this.name(key) });
    }
    return v;
  }

  /** `''` is Stripe's way of unsetting a field; returns null then. */
  nullableString(key: string): string | null | undefined {
    const v = this.string(key);
    return v === '' ? null : v;
  }

  int(key: string): number | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw new StripeApiError(400, `Invalid integer: ${v}`, { code: 'parameter_invalid_integer', param: this.name(key) });
    return Number(v);
  }

  bool(key: string): boolean | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw new StripeApiError(400, `Invalid boolean: ${v}`, { param: this.name(key) });
    return v === 'true';
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      throw new StripeApiError(400, `Invalid ${this.name(key)}: must be one of ${allowed.join(', ')}`, {
        code: 'parameter_invalid_empty',
        param: this.name(key),
      });
    }
    return v as T;
  }

  nested(key: string): Params | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      throw new StripeApiError(400, `Invalid object`, { param: this.name(key) });
    }
    return new Params(v, this.name(key));
  }

  /** Indexed arrays (`a[0][b]=…`); qs turns large or sparse indices into objects, accept both. */
  array(key: string): Params[] {
    const v = this.raw[key];
    if (v === undefined) return [];
    const items: ParamValue[] = Array.isArray(v) ? v : typeof v === 'object' ? Object.values(v).filter((x) => x !== undefined) : [v];
    return items.map((item, i) => {
      if (typeof item !== 'object' || Array.isArray(item)) {
        throw new StripeApiError(400, `Invalid array`, { param: this.name(key) });
      }
      return new Params(item, `${this.name(key)}[${i}]`);
    });
  }

  strings(key: string): string[] {
    const v = this.raw[key];
    if (v === undefined) return [];
    const items = Array.isArray(v) ? v : typeof v === 'object' ? Object.values(v) : [v];
    return items.map((item) => {
      if (typeof item !== 'string') throw new StripeApiError(400, `Invalid array`, { param: this.name(key) });
      return item;
    });
  }

  /** Metadata for create: string values only. */
  metadata(key = 'metadata'): Metadata | undefined {
    const v = this.raw[key];
    if (v === undefined || v === '') return v === '' ? {} : undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw new StripeApiError(400, 'Invalid object', { param: this.name(key) });
    const out: Metadata = {};
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string') throw new StripeApiError(400, `Invalid string: ${JSON.stringify(val)}`, { param: `${this.name(key)}[${k}]` });
      if (val !== '') out[k] = val;
    }
    return out;
  }

  /** Metadata for update: merges, `''` deletes a key, `metadata=''` clears everything. */
  mergeMetadata(current: Metadata, key = 'metadata'): Metadata {
    const v = this.raw[key];
    if (v === undefined) return current;
    if (v === '') return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new StripeApiError(400, 'Invalid object', { param: this.name(key) });
    const next = { ...current };
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string') throw new StripeApiError(400, `Invalid string: ${JSON.stringify(val)}`, { param: `${this.name(key)}[${k}]` });
      if (val === '') delete next[k];
      else next[k] = val;
    }
    return next;
  }
}

/** Rejects unknown top-level params (like Stripe) and real-but-unimplemented ones (loudly, unlike a silent fake). */
function checkParams(p: Params, known: readonly string[], unsupported: readonly string[] = []): void {
  for (const key of Object.keys(p.raw)) {
    if (key === 'expand' || key === 'limit' || key === 'starting_after' || key === 'ending_before') continue;
    if (unsupported.includes(key)) {
      throw new StripeApiError(400, `The Stripe test server does not implement the parameter '${key}'. Extend test/support/stripe if Allmende needs it.`, {
        param: key,
      });
    }
    if (!known.includes(key)) {
      throw new StripeApiError(400, `Received unknown parameter: ${key}`, { code: 'parameter_unknown', param: key });
    }
  }
}

// Top-level parameter names per endpoint, taken from the stripe@23 *Params types.
const KNOWN = {
  productCreate: ['name', 'active', 'default_price_data', 'description', 'id', 'images', 'marketing_features', 'metadata', 'package_dimensions', 'shippable', 'statement_descriptor', 'tax_code', 'tax_details', 'type', 'unit_label', 'url'],
  productUpdate: ['active', 'default_price', 'description', 'images', 'marketing_features', 'metadata', 'name', 'package_dimensions', 'shippable', 'statement_descriptor', 'tax_code', 'tax_details', 'unit_label', 'url'],
  productList: ['active', 'created', 'ids', 'shippable', 'type', 'url'],
  priceCreate: ['currency', 'active', 'billing_scheme', 'currency_options', 'custom_unit_amount', 'lookup_key', 'metadata', 'nickname', 'product', 'product_data', 'recurring', 'tax_behavior', 'tiers', 'tiers_mode', 'transfer_lookup_key', 'transform_quantity', 'unit_amount', 'unit_amount_decimal'],
  priceUpdate: ['active', 'currency_options', 'lookup_key', 'metadata', 'nickname', 'tax_behavior', 'transfer_lookup_key'],
  priceList: ['active', 'created', 'currency', 'lookup_keys', 'product', 'recurring', 'type'],
  customerCreate: ['address', 'balance', 'business_name', 'cash_balance', 'description', 'email', 'individual_name', 'invoice_prefix', 'invoice_settings', 'metadata', 'name', 'next_invoice_sequence', 'payment_method', 'phone', 'preferred_locales', 'shipping', 'source', 'tax', 'tax_exempt', 'tax_id_data', 'test_clock', 'validate'],
  customerUpdate: ['address', 'balance', 'business_name', 'cash_balance', 'default_source', 'description', 'email', 'individual_name', 'invoice_prefix', 'invoice_settings', 'metadata', 'name', 'next_invoice_sequence', 'phone', 'preferred_locales', 'shipping', 'source', 'tax', 'tax_exempt', 'validate'],
  customerList: ['created', 'email', 'test_clock'],
  checkoutCreate: ['adaptive_pricing', 'after_expiration', 'allow_promotion_codes', 'allowed_payment_method_types', 'automatic_tax', 'billing_address_collection', 'branding_settings', 'cancel_url', 'client_reference_id', 'consent_collection', 'currency', 'custom_fields', 'custom_text', 'customer', 'customer_account', 'customer_creation', 'customer_email', 'customer_update', 'discounts', 'excluded_payment_method_types', 'expires_at', 'integration_identifier', 'invoice_creation', 'line_items', 'locale', 'managed_payments', 'metadata', 'mode', 'name_collection', 'optional_items', 'origin_context', 'payment_intent_data', 'payment_method_collection', 'payment_method_configuration', 'payment_method_data', 'payment_method_options', 'payment_method_types', 'permissions', 'phone_number_collection', 'redirect_on_completion', 'return_url', 'saved_payment_method_options', 'setup_intent_data', 'shipping_address_collection', 'shipping_options', 'submit_type', 'subscription_data', 'success_url', 'tax_id_collection', 'ui_mode', 'wallet_options'],
  checkoutList: ['created', 'customer', 'customer_account', 'customer_details', 'payment_intent', 'payment_link', 'status', 'subscription'],
  subscriptionUpdate: ['add_invoice_items', 'application_fee_percent', 'automatic_tax', 'billing_cycle_anchor', 'billing_schedules', 'billing_thresholds', 'cancel_at', 'cancel_at_period_end', 'cancellation_details', 'collection_method', 'days_until_due', 'default_payment_method', 'default_source', 'default_tax_rates', 'description', 'discounts', 'invoice_settings', 'items', 'metadata', 'off_session', 'on_behalf_of', 'pause_collection', 'payment_behavior', 'payment_settings', 'pending_invoice_item_interval', 'proration_behavior', 'proration_date', 'transfer_data', 'trial_end', 'trial_from_plan', 'trial_settings'],
  subscriptionCancel: ['cancellation_details', 'invoice_now', 'prorate'],
  subscriptionList: ['automatic_tax', 'collection_method', 'created', 'current_period_end', 'current_period_start', 'customer', 'customer_account', 'plan', 'price', 'status', 'test_clock'],
  invoiceList: ['collection_method', 'created', 'customer', 'customer_account', 'due_date', 'status', 'subscription'],
  eventList: ['created', 'delivery_success', 'type', 'types'],
  portalCreate: ['after_expiration', 'configuration', 'customer', 'customer_account', 'flow_data', 'locale', 'on_behalf_of', 'return_url'],
  retrieve: [] as string[],
} as const;

// Known params whose behaviour the fake does not model; accepting them silently would lie.
const UNSUPPORTED = {
  productCreate: ['default_price_data'],
  priceCreate: ['currency_options', 'custom_unit_amount', 'tiers', 'tiers_mode', 'transform_quantity'],
  checkoutCreate: ['adaptive_pricing', 'discounts', 'optional_items', 'payment_intent_data', 'setup_intent_data', 'shipping_options', 'customer_account', 'managed_payments'],
  subscriptionUpdate: ['add_invoice_items', 'billing_cycle_anchor', 'billing_schedules', 'billing_thresholds', 'collection_method', 'days_until_due', 'discounts', 'pause_collection', 'pending_invoice_item_interval', 'trial_end', 'trial_from_plan', 'trial_settings', 'transfer_data'],
  portalCreate: ['flow_data', 'customer_account'],
} as const;

// ------------------------------------------------------------------ expansion & lists

type Json = Record<string, unknown>;

function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Returns a deep copy with `expand[]` paths (e.g. `subscription.latest_invoice`, `data.product`) resolved. */
export function expandObject<T>(world: StripeWorld, object: T, paths: string[]): T {
  const copy = structuredClone(object);
  for (const path of paths) {
    if (isJson(copy)) expandPath(world, copy, path.split('.'), path);
  }
  return copy;
}

function expandPath(world: StripeWorld, target: Json, segments: string[], full: string): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  if (target['object'] === 'list' && head === 'data' && Array.isArray(target['data'])) {
    for (const item of target['data']) if (isJson(item)) expandPath(world, item, rest, full);
    return;
  }
  let value = target[head];
  if (head === 'line_items' && target['object'] === 'checkout.session' && typeof target['id'] === 'string') {
    value = lineItemList(world, target['id']);
    target[head] = value;
  } else if (typeof value === 'string') {
    const found = world.lookup(value);
    if (!found) throw new StripeApiError(400, `This property cannot be expanded (${full}).`, { param: 'expand' });
    value = structuredClone(found);
    target[head] = value;
  } else if (value === null) {
    return; // Stripe leaves unset references null.
  } else if (!isJson(value)) {
    throw new StripeApiError(400, `This property cannot be expanded (${full}).`, { param: 'expand' });
  }
  if (rest.length > 0 && isJson(value)) expandPath(world, value, rest, full);
}

function lineItemList(world: StripeWorld, sessionId: string): ListObject<CheckoutLineItemObject> {
  return list(`/v1/checkout/sessions/${sessionId}/line_items`, world.sessionExtras.get(sessionId)?.lineItems ?? []);
}

/** Newest first, `limit` (default 10, max 100) and `starting_after` cursor, like Stripe lists. */
function paginate<T extends { id: string }>(p: Params, url: string, items: T[]): ListObject<T> {
  const limit = p.int('limit') ?? 10;
  if (limit < 1 || limit > 100) throw new StripeApiError(400, 'Limit must be between 1 and 100.', { param: 'limit' });
  let start = 0;
  const after = p.string('starting_after');
  if (after) start = items.findIndex((i) => i.id === after) + 1;
  const page = items.slice(start, start + limit);
  return list(url, page, start + limit < items.length);
}

function newestFirst<T extends { created: number }>(items: Iterable<T>): T[] {
  // Stable for equal timestamps: later insertion counts as newer.
  return [...items].map((item, i) => ({ item, i })).sort((a, b) => b.item.created - a.item.created || b.i - a.i).map((x) => x.item);
}

// ------------------------------------------------------------------ routing

interface Context {
  world: StripeWorld;
  p: Params;
  request: RequestInfo;
}

type Handler = (ctx: Context, id: string) => unknown;

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  handler: Handler;
}

const ID = '([A-Za-z0-9_]+)';

const routes: Route[] = [
  { method: 'POST', pattern: /^\/v1\/products$/, handler: createProduct },
  { method: 'GET', pattern: /^\/v1\/products$/, handler: listProducts },
  { method: 'GET', pattern: new RegExp(`^/v1/products/${ID}$`), handler: retrieve('product', (w, id) => w.products.get(id)) },
  { method: 'POST', pattern: new RegExp(`^/v1/products/${ID}$`), handler: updateProduct },
  { method: 'POST', pattern: /^\/v1\/prices$/, handler: createPrice },
  { method: 'GET', pattern: /^\/v1\/prices$/, handler: listPrices },
  { method: 'GET', pattern: new RegExp(`^/v1/prices/${ID}$`), handler: retrieve('price', (w, id) => w.prices.get(id)) },
  { method: 'POST', pattern: new RegExp(`^/v1/prices/${ID}$`), handler: updatePrice },
  { method: 'POST', pattern: /^\/v1\/customers$/, handler: createCustomer },
  { method: 'GET', pattern: /^\/v1\/customers$/, handler: listCustomers },
  { method: 'GET', pattern: new RegExp(`^/v1/customers/${ID}$`), handler: retrieve('customer', (w, id) => w.customers.get(id)) },
  { method: 'POST', pattern: new RegExp(`^/v1/customers/${ID}$`), handler: updateCustomer },
  { method: 'POST', pattern: /^\/v1\/checkout\/sessions$/, handler: createCheckoutSession },
  { method: 'GET', pattern: /^\/v1\/checkout\/sessions$/, handler: listCheckoutSessions },
  { method: 'GET', pattern: new RegExp(`^/v1/checkout/sessions/${ID}$`), handler: retrieve('checkout.session', (w, id) => w.checkoutSessions.get(id)) },
  { method: 'GET', pattern: new RegExp(`^/v1/checkout/sessions/${ID}/line_items$`), handler: listSessionLineItems },
  { method: 'POST', pattern: new RegExp(`^/v1/checkout/sessions/${ID}/expire$`), handler: expireCheckoutSession },
  { method: 'GET', pattern: /^\/v1\/subscriptions$/, handler: listSubscriptions },
  { method: 'GET', pattern: new RegExp(`^/v1/subscriptions/${ID}$`), handler: retrieve('subscription', (w, id) => w.subscriptions.get(id)) },
  { method: 'POST', pattern: new RegExp(`^/v1/subscriptions/${ID}$`), handler: updateSubscription },
  { method: 'DELETE', pattern: new RegExp(`^/v1/subscriptions/${ID}$`), handler: cancelSubscription },
  { method: 'GET', pattern: /^\/v1\/invoices$/, handler: listInvoices },
  { method: 'GET', pattern: new RegExp(`^/v1/invoices/${ID}$`), handler: retrieve('invoice', (w, id) => w.invoices.get(id)) },
  { method: 'GET', pattern: /^\/v1\/events$/, handler: listEvents },
  { method: 'GET', pattern: new RegExp(`^/v1/events/${ID}$`), handler: retrieve('event', (w, id) => w.getEvent(id)) },
  { method: 'POST', pattern: /^\/v1\/billing_portal\/sessions$/, handler: createPortalSession },
];

export function handleApi(world: StripeWorld, req: ApiRequest): ApiResponse {
  for (const route of routes) {
    const match = route.pattern.exec(req.path);
    if (!match || route.method !== req.method) continue;
    const p = new Params(req.params);
    const body = route.handler({ world, p, request: req.request }, match[1] ?? '');
    return { status: 200, body: expandObject(world, body, p.strings('expand')) };
  }
  throw new StripeApiError(
    404,
    `Unrecognized request URL (${req.method}: ${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  );
}

function retrieve(resource: string, get: (world: StripeWorld, id: string) => unknown): Handler {
  return ({ world, p }, id) => {
    checkParams(p, KNOWN.retrieve);
    const found = get(world, id);
    if (!found) throw missing(resource, id, 404);
    return found;
  };
}

// ------------------------------------------------------------------ products & prices

function createProduct({ world, p }: Context): unknown {
  checkParams(p, KNOWN.productCreate, UNSUPPORTED.productCreate);
  const id = p.string('id');
  if (id !== undefined && world.products.has(id)) {
    throw new StripeApiError(400, 'Product already exists.', { code: 'resource_already_exists', param: 'id' });
  }
  const product = buildProduct(world.now(), {
    name: p.requiredString('name'),
    description: p.nullableString('description') ?? null,
    metadata: p.metadata() ?? {},
    active: p.bool('active') ?? true,
    ...(id === undefined ? {} : { id }),
  });
  world.products.set(product.id, product);
  return product;
}

function updateProduct({ world, p }: Context, id: string): unknown {
  checkParams(p, KNOWN.productUpdate);
  const product = world.products.get(id);
  if (!product) throw missing('product', id, 404);
  product.name = p.string('name') ?? product.name;
  const description = p.nullableString('description');
  if (description !== undefined) product.description = description;
  product.active = p.bool('active') ?? product.active;
  product.metadata = p.mergeMetadata(product.metadata);
  const defaultPrice = p.nullableString('default_price');
  if (defaultPrice) {
    if (!world.prices.has(defaultPrice)) throw missing('price', defaultPrice, 400, 'default_price');
  }
  if (defaultPrice !== undefined) product.default_price = defaultPrice;
  product.updated = world.now();
  return product;
}

function listProducts({ world, p }: Context): unknown {
  checkParams(p, KNOWN.productList);
  const active = p.bool('active');
  const ids = p.strings('ids');
  const items = newestFirst(world.products.values()).filter(
    (x) => (active === undefined || x.active === active) && (ids.length === 0 || ids.includes(x.id)),
  );
  return paginate(p, '/v1/products', items);
}

const INTERVALS: readonly Interval[] = ['day', 'week', 'month', 'year'];

function createPrice({ world, p }: Context): unknown {
  checkParams(p, KNOWN.priceCreate, UNSUPPORTED.priceCreate);
  const currency = p.requiredString('currency').toLowerCase();
  if (p.has('billing_scheme') && p.string('billing_scheme') !== 'per_unit') {
    throw new StripeApiError(400, "The Stripe test server only implements billing_scheme 'per_unit'.", { param: 'billing_scheme' });
  }

  let productId = p.string('product');
  const productData = p.nested('product_data');
  if (productId && productData) {
    throw new StripeApiError(400, 'You may only specify one of these parameters: product, product_data.', { param: 'product_data' });
  }
  if (productId) {
    if (!world.products.has(productId)) throw missing('product', productId, 400, 'product');
  } else if (productData) {
    const product = buildProduct(world.now(), { name: productData.requiredString('name'), metadata: productData.metadata() ?? {} });
    world.products.set(product.id, product);
    productId = product.id;
  } else {
    throw new StripeApiError(400, 'Missing required param: product.', { code: 'parameter_missing', param: 'product' });
  }

  let unitAmount = p.int('unit_amount');
  const decimal = p.string('unit_amount_decimal');
  if (unitAmount === undefined && decimal !== undefined) {
    if (!/^\d+$/.test(decimal)) throw new StripeApiError(400, 'The Stripe test server only implements whole-unit unit_amount_decimal.', { param: 'unit_amount_decimal' });
    unitAmount = Number(decimal);
  }
  if (unitAmount === undefined) {
    throw new StripeApiError(400, 'Missing required param: unit_amount.', { code: 'parameter_missing', param: 'unit_amount' });
  }
  if (unitAmount < 0) throw new StripeApiError(400, 'Invalid non-negative integer', { param: 'unit_amount' });

  let recurring: { interval: Interval; interval_count: number } | null = null;
  const r = p.nested('recurring');
  if (r) {
    checkParams(r, ['interval', 'interval_count', 'meter', 'trial_period_days', 'usage_type'], ['meter', 'trial_period_days']);
    if (r.has('usage_type') && r.string('usage_type') !== 'licensed') {
      throw new StripeApiError(400, "The Stripe test server only implements usage_type 'licensed'.", { param: r.name('usage_type') });
    }
    const interval = r.oneOf('interval', INTERVALS);
    if (!interval) throw new StripeApiError(400, 'Missing required param: recurring[interval].', { code: 'parameter_missing', param: 'recurring[interval]' });
    recurring = { interval, interval_count: r.int('interval_count') ?? 1 };
  }

  const lookupKey = p.nullableString('lookup_key') ?? null;
  if (lookupKey) claimLookupKey(world, lookupKey, p.bool('transfer_lookup_key') ?? false);

  const price = buildPrice(world.now(), {
    product: productId,
    currency,
    unitAmount,
    recurring,
    lookupKey,
    nickname: p.nullableString('nickname') ?? null,
    metadata: p.metadata() ?? {},
    active: p.bool('active') ?? true,
    taxBehavior: p.oneOf('tax_behavior', ['exclusive', 'inclusive', 'unspecified'] as const) ?? 'unspecified',
  });
  world.prices.set(price.id, price);
  return price;
}

/** Lookup keys are unique per account; `transfer_lookup_key` moves one from its current price. */
function claimLookupKey(world: StripeWorld, key: string, transfer: boolean, self?: PriceObject): void {
  for (const other of world.prices.values()) {
    if (other === self || other.lookup_key !== key) continue;
    if (!transfer) {
      throw new StripeApiError(400, `A price (\`${other.id}\`) already uses that lookup key.`, { param: 'lookup_key' });
    }
    other.lookup_key = null;
  }
}

function updatePrice({ world, p }: Context, id: string): unknown {
  checkParams(p, KNOWN.priceUpdate, ['currency_options']);
  const price = world.prices.get(id);
  if (!price) throw missing('price', id, 404);
  price.active = p.bool('active') ?? price.active;
  price.metadata = p.mergeMetadata(price.metadata);
  const nickname = p.nullableString('nickname');
  if (nickname !== undefined) price.nickname = nickname;
  const lookupKey = p.nullableString('lookup_key');
  if (lookupKey) claimLookupKey(world, lookupKey, p.bool('transfer_lookup_key') ?? false, price);
  if (lookupKey !== undefined) price.lookup_key = lookupKey;
  const taxBehavior = p.oneOf('tax_behavior', ['exclusive', 'inclusive', 'unspecified'] as const);
  if (taxBehavior) price.tax_behavior = taxBehavior;
  return price;
}

function listPrices({ world, p }: Context): unknown {
  checkParams(p, KNOWN.priceList);
  const active = p.bool('active');
  const currency = p.string('currency')?.toLowerCase();
  const product = p.string('product');
  const type = p.oneOf('type', ['one_time', 'recurring'] as const);
  const lookupKeys = p.strings('lookup_keys');
  const interval = p.nested('recurring')?.string('interval');
  const items = newestFirst(world.prices.values()).filter(
    (x) =>
      (active === undefined || x.active === active) &&
      (currency === undefined || x.currency === currency) &&
      (product === undefined || x.product === product) &&
      (type === undefined || x.type === type) &&
      (lookupKeys.length === 0 || (x.lookup_key !== null && lookupKeys.includes(x.lookup_key))) &&
      (interval === undefined || x.recurring?.interval === interval),
  );
  return paginate(p, '/v1/prices', items);
}

// ------------------------------------------------------------------ customers

function createCustomer({ world, p }: Context): unknown {
  checkParams(p, KNOWN.customerCreate);
  return world.createCustomer({
    email: p.nullableString('email') ?? null,
    name: p.nullableString('name') ?? null,
    description: p.nullableString('description') ?? null,
    phone: p.nullableString('phone') ?? null,
    metadata: p.metadata() ?? {},
  });
}

function updateCustomer({ world, p }: Context, id: string): unknown {
  checkParams(p, KNOWN.customerUpdate);
  const customer = world.customers.get(id);
  if (!customer) throw missing('customer', id, 404);
  const email = p.nullableString('email');
  if (email !== undefined) customer.email = email;
  const name = p.nullableString('name');
  if (name !== undefined) customer.name = name;
  const description = p.nullableString('description');
  if (description !== undefined) customer.description = description;
  const phone = p.nullableString('phone');
  if (phone !== undefined) customer.phone = phone;
  customer.metadata = p.mergeMetadata(customer.metadata);
  return customer;
}

function listCustomers({ world, p }: Context): unknown {
  checkParams(p, KNOWN.customerList);
  const email = p.string('email'); // case-sensitive, as documented by Stripe
  const items = newestFirst(world.customers.values()).filter((c) => email === undefined || c.email === email);
  return paginate(p, '/v1/customers', items);
}

// ------------------------------------------------------------------ checkout

function createCheckoutSession({ world, p }: Context): unknown {
  checkParams(p, KNOWN.checkoutCreate, UNSUPPORTED.checkoutCreate);
  const mode = p.oneOf('mode', ['payment', 'setup', 'subscription'] as const);
  if (!mode) throw new StripeApiError(400, 'Missing required param: mode.', { code: 'parameter_missing', param: 'mode' });
  if (mode !== 'subscription') {
    throw new StripeApiError(400, "The Stripe test server only implements mode 'subscription'.", { param: 'mode' });
  }
  const uiMode = p.string('ui_mode');
  if (uiMode !== undefined && uiMode !== 'hosted_page' && uiMode !== 'hosted') {
    throw new StripeApiError(400, 'The Stripe test server only implements hosted Checkout pages.', { param: 'ui_mode' });
  }

  const customerId = p.string('customer');
  const customerEmail = p.string('customer_email');
  if (customerId && customerEmail) {
    throw new StripeApiError(400, 'You may only specify one of these parameters: customer, customer_email.', { param: 'customer_email' });
  }
  if (customerId && !world.customers.has(customerId)) throw missing('customer', customerId, 400, 'customer');

  const lineItemParams = p.array('line_items');
  if (lineItemParams.length === 0) {
    throw new StripeApiError(400, 'Missing required param: line_items.', { code: 'parameter_missing', param: 'line_items' });
  }
  const lineItems = lineItemParams.map((li) => {
    checkParams(li, ['adjustable_quantity', 'dynamic_tax_rates', 'metadata', 'price', 'price_data', 'quantity', 'tax_rates'], [
      'adjustable_quantity',
      'dynamic_tax_rates',
      'price_data',
      'tax_rates',
    ]);
    const priceId = li.requiredString('price');
    const price = world.prices.get(priceId);
    if (!price) throw missing('price', priceId, 400, li.name('price'));
    if (!price.active) {
      throw new StripeApiError(400, 'The price specified is inactive. This field only accepts active prices.', { param: li.name('price') });
    }
    const quantity = li.int('quantity');
    if (quantity === undefined) {
      throw new StripeApiError(400, `Quantity is required. Add \`quantity\` to \`${li.path}\``, {
        code: 'parameter_missing',
        param: li.name('quantity'),
      });
    }
    return buildCheckoutLineItem(price, quantity, world.products.get(price.product)?.name ?? null);
  });
  if (!lineItems.some((li) => li.price.type === 'recurring')) {
    throw new StripeApiError(400, 'You must provide at least one recurring price in `subscription` mode when using prices.', {
      param: 'line_items',
    });
  }
  const currencies = new Set(lineItems.map((li) => li.currency));
  if (currencies.size > 1) throw new StripeApiError(400, 'All prices must use the same currency.', { param: 'line_items' });

  const subscriptionData = p.nested('subscription_data');
  if (subscriptionData) {
    checkParams(
      subscriptionData,
      ['application_fee_percent', 'billing_cycle_anchor', 'billing_cycle_anchor_config', 'billing_mode', 'default_tax_rates', 'description', 'invoice_settings', 'metadata', 'on_behalf_of', 'pending_invoice_item_interval', 'proration_behavior', 'transfer_data', 'trial_end', 'trial_period_days', 'trial_settings'],
      ['application_fee_percent', 'billing_cycle_anchor', 'billing_cycle_anchor_config', 'default_tax_rates', 'on_behalf_of', 'pending_invoice_item_interval', 'transfer_data', 'trial_end', 'trial_period_days', 'trial_settings'],
    );
  }

  const id = newId('cs_test', 58);
  const expiresAt = p.int('expires_at');
  const session = buildCheckoutSession(world.now(), {
    id,
    url: `${world.config.baseUrl}/c/pay/${id}`,
    lineItems,
    customer: customerId ?? null,
    customerEmail: customerEmail ?? null,
    clientReferenceId: p.string('client_reference_id') ?? null,
    metadata: p.metadata() ?? {},
    successUrl: p.string('success_url') ?? null,
    cancelUrl: p.string('cancel_url') ?? null,
    locale: (p.string('locale') ?? null) as CheckoutSessionObject['locale'],
  });
  if (expiresAt !== undefined) session.expires_at = expiresAt;
  session.allow_promotion_codes = p.bool('allow_promotion_codes') ?? null;
  const billing = p.oneOf('billing_address_collection', ['auto', 'required'] as const);
  if (billing) session.billing_address_collection = billing;
  world.checkoutSessions.set(id, session);
  world.sessionExtras.set(id, {
    lineItems,
    subscriptionData: {
      metadata: subscriptionData?.metadata() ?? {},
      description: subscriptionData?.string('description') ?? null,
    },
  });
  return session;
}

function listCheckoutSessions({ world, p }: Context): unknown {
  checkParams(p, KNOWN.checkoutList);
  const customer = p.string('customer');
  const status = p.string('status');
  const subscription = p.string('subscription');
  const items = newestFirst(world.checkoutSessions.values()).filter(
    (s) =>
      (customer === undefined || s.customer === customer) &&
      (status === undefined || s.status === status) &&
      (subscription === undefined || s.subscription === subscription),
  );
  return paginate(p, '/v1/checkout/sessions', items);
}

function listSessionLineItems({ world, p }: Context, id: string): unknown {
  checkParams(p, KNOWN.retrieve);
  if (!world.checkoutSessions.has(id)) throw missing('checkout.session', id, 404);
  return paginate(p, `/v1/checkout/sessions/${id}/line_items`, world.sessionExtras.get(id)?.lineItems ?? []);
}

function expireCheckoutSession({ world, p, request }: Context, id: string): unknown {
  checkParams(p, KNOWN.retrieve);
  const session = world.checkoutSessions.get(id);
  if (!session) throw missing('checkout.session', id, 404);
  if (session.status !== 'open') {
    throw new StripeApiError(400, `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status ?? 'unknown'}".`, {
      param: 'session',
    });
  }
  const { events } = world.expireCheckoutState(id, request);
  world.dispatchInBackground(events);
  return session;
}

// ------------------------------------------------------------------ subscriptions

function requireSubscription(world: StripeWorld, id: string): SubscriptionObject {
  const sub = world.subscriptions.get(id);
  if (!sub) throw missing('subscription', id, 404);
  return sub;
}

const FEEDBACK = ['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused'] as const;

function updateSubscription({ world, p, request }: Context, id: string): unknown {
  checkParams(p, KNOWN.subscriptionUpdate, UNSUPPORTED.subscriptionUpdate);
  const sub = requireSubscription(world, id);
  const details = p.nested('cancellation_details');
  if (sub.status === 'canceled' && Object.keys(p.raw).some((k) => !['metadata', 'cancellation_details', 'expand'].includes(k))) {
    throw new StripeApiError(400, 'A canceled subscription can only update its cancellation_details and metadata.');
  }
  const priceChanges = subscriptionPriceChanges(world, p, sub);
  const cancelAtPeriodEnd = p.bool('cancel_at_period_end');
  const cancelAtRaw = p.string('cancel_at');
  const cancelAt = cancelAtRaw === '' ? null : p.int('cancel_at');
  const event = world.updateSubscription(
    sub,
    (s) => {
      s.metadata = p.mergeMetadata(s.metadata);
      const description = p.nullableString('description');
      if (description !== undefined) s.description = description;
      const pm = p.nullableString('default_payment_method');
      if (pm !== undefined) s.default_payment_method = pm;
      for (const { item, price } of priceChanges) {
        item.price = structuredClone(price);
        item.plan = planFromPrice(price);
      }
      const periodEnd = s.items.data[0]?.current_period_end ?? null;
      if (cancelAtPeriodEnd === true || (cancelAt !== undefined && cancelAt !== null)) {
        s.cancel_at_period_end = cancelAtPeriodEnd === true;
        s.cancel_at = cancelAtPeriodEnd === true ? periodEnd : (cancelAt ?? null);
        s.canceled_at = world.now();
        s.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' };
      } else if (cancelAtPeriodEnd === false || cancelAt === null) {
        s.cancel_at_period_end = false;
        s.cancel_at = null;
        s.canceled_at = null;
        s.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: null };
      }
      if (details && s.cancellation_details) {
        const comment = details.nullableString('comment');
        if (comment !== undefined) s.cancellation_details.comment = comment;
        const feedback = details.string('feedback') === '' ? null : details.oneOf('feedback', FEEDBACK);
        if (feedback !== undefined) s.cancellation_details.feedback = feedback;
      }
    },
    request,
  );
  if (event) world.dispatchInBackground([event]);
  return sub;
}

/**
 * A plan change as far as modelled: `items[n][id]` of an item of this subscription with a new
 * `items[n][price]` (same currency and interval), and `proration_behavior=none`, so the new price
 * is charged from the next invoice on. Adding or removing items, quantities and prorations are refused.
 */
function subscriptionPriceChanges(world: StripeWorld, p: Params, sub: SubscriptionObject): { item: SubscriptionObject['items']['data'][number]; price: PriceObject }[] {
  if (!p.has('items')) return [];
  const proration = p.string('proration_behavior');
  if (proration !== 'none') {
    throw new StripeApiError(400, 'This test server models plan changes with proration_behavior=none only (prorations are not modelled).', { param: 'proration_behavior' });
  }
  return p.array('items').map((entry) => {
    const unknown = Object.keys(entry.raw).filter((key) => key !== 'id' && key !== 'price');
    if (unknown.length) throw new StripeApiError(400, `This test server models only changing an item's price (got ${unknown.join(', ')}).`, { param: entry.name(unknown[0]) });
    const id = entry.requiredString('id');
    const item = sub.items.data.find((candidate) => candidate.id === id);
    if (!item) throw missing('subscription item', id, 400, entry.name('id'));
    const priceId = entry.requiredString('price');
    const price = world.prices.get(priceId);
    if (!price) throw missing('price', priceId, 400, entry.name('price'));
    if (price.currency !== item.price.currency || price.recurring?.interval !== item.price.recurring?.interval) {
      throw new StripeApiError(400, 'The price must have the same currency and interval as the one it replaces (this test server models nothing else).', { param: entry.name('price') });
    }
    return { item, price };
  });
}

function cancelSubscription({ world, p, request }: Context, id: string): unknown {
  checkParams(p, KNOWN.subscriptionCancel);
  const sub = requireSubscription(world, id);
  // Stripe treats a canceled subscription as gone for this endpoint.
  if (sub.status === 'canceled') throw missing('subscription', id, 404);
  const details = p.nested('cancellation_details');
  const { events } = world.cancelState(id, {
    reason: 'cancellation_requested',
    comment: details?.nullableString('comment') ?? null,
    feedback: details?.oneOf('feedback', FEEDBACK) ?? null,
    request,
  });
  world.dispatchInBackground(events);
  return sub;
}

function listSubscriptions({ world, p }: Context): unknown {
  checkParams(p, KNOWN.subscriptionList);
  const customer = p.string('customer');
  const price = p.string('price') ?? p.string('plan');
  const status = p.string('status');
  const items = newestFirst(world.subscriptions.values()).filter(
    (s) =>
      (customer === undefined || s.customer === customer) &&
      (price === undefined || s.items.data.some((i) => i.price.id === price)) &&
      // Without a status filter Stripe hides canceled subscriptions.
      (status === 'all' ||
        (status === undefined && s.status !== 'canceled') ||
        (status === 'ended' && s.status === 'canceled') ||
        s.status === status),
  );
  return paginate(p, '/v1/subscriptions', items);
}

// ------------------------------------------------------------------ invoices, events, portal

function listInvoices({ world, p }: Context): unknown {
  checkParams(p, KNOWN.invoiceList);
  const customer = p.string('customer');
  const subscription = p.string('subscription');
  const status = p.string('status');
  const items = newestFirst(world.invoices.values()).filter(
    (i) =>
      (customer === undefined || i.customer === customer) &&
      (subscription === undefined || i.parent.subscription_details.subscription === subscription) &&
      (status === undefined || i.status === status),
  );
  return paginate(p, '/v1/invoices', items);
}

function listEvents({ world, p }: Context): unknown {
  checkParams(p, KNOWN.eventList);
  const types = [...p.strings('types'), ...(p.string('type') ? [p.string('type') as string] : [])];
  const matches = (type: string): boolean =>
    types.length === 0 || types.some((t) => (t.endsWith('.*') ? type.startsWith(t.slice(0, -1)) : t === type));
  const items = newestFirst(world.events).filter((e) => matches(e.type));
  return paginate(p, '/v1/events', items);
}

function createPortalSession({ world, p }: Context): unknown {
  checkParams(p, KNOWN.portalCreate, UNSUPPORTED.portalCreate);
  const customer = p.requiredString('customer');
  if (!world.customers.has(customer)) throw missing('customer', customer, 400, 'customer');
  if (!world.config.portalConfigured && !p.string('configuration')) {
    // Stripe's answer on an account that never saved its customer portal settings (test mode)
    throw new StripeApiError(
      400,
      'You can’t create a portal session in test mode until you save your customer portal settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal.',
    );
  }
  const id = newId('bps');
  const session: PortalSessionObject = {
    id,
    object: 'billing_portal.session',
    configuration: p.string('configuration') ?? 'bpc_test_default',
    created: world.now(),
    customer,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: (p.string('locale') ?? null) as PortalSessionObject['locale'],
    on_behalf_of: p.string('on_behalf_of') ?? null,
    return_url: p.string('return_url') ?? null,
    url: `${world.config.baseUrl}/p/session/${id}`,
  };
  world.portalSessions.set(id, session);
  return session;
}
