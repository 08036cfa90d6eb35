/**
 * A local, Stripe-compatible HTTP server for tests. Point the official SDK at it:
 *
 *   const stripeServer = await startStripeTestServer({ webhookUrl });
 *   const stripe = new Stripe(stripeServer.apiKey, { ...stripeServer.stripeConfig, maxNetworkRetries: 0 });
 *
 * It implements the API subset Allmende uses (see README.md), hosted Checkout/portal
 * pages for browser tests, and simulation helpers that play Stripe's side (payments,
 * dunning, renewals) and deliver really-signed webhook events to the app.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import qs from 'qs';
import Stripe from 'stripe';
import { handleApi, StripeApiError, type ParamObject } from './api.js';
import {
  newId,
  type CheckoutSessionObject,
  type CustomerObject,
  type EventObject,
  type EventType,
  type InvoiceObject,
  type PriceObject,
  type ProductObject,
  type SubscriptionObject,
} from './objects.js';
import { renderCheckout, renderInvoice, renderPortal, submitCheckout, submitPortalCancel, type PageResponse, type PortalCancelMode } from './pages.js';
import { signPayload, type DeliveryResult } from './webhooks.js';
import {
  StripeWorld,
  type CancellationReason,
  type CheckoutCompletion,
  type DeliveryOptions,
  type SimulationResult,
  type SubscriptionChange,
} from './world.js';

export type { DeliveryResult } from './webhooks.js';
export type { CheckoutCompletion, DeliveryOptions, SimulationResult, SubscriptionChange, CancellationReason } from './world.js';
export type {
  CheckoutSessionObject,
  CustomerObject,
  EventObject,
  EventType,
  InvoiceObject,
  PriceObject,
  ProductObject,
  SubscriptionObject,
  PortalSessionObject,
} from './objects.js';
export type { PortalCancelMode } from './pages.js';

export interface StripeTestServerOptions {
  /** 0 / unset: an ephemeral port. */
  port?: number;
  /** `whsec_...`; generated if unset. */
  webhookSecret?: string;
  /** Where events are POSTed; can be set later with setWebhookUrl(). */
  webhookUrl?: string;
  /** The only key accepted: a secret key (`sk_test_...`, generated if unset) or a restricted key (`rk_test_...`). */
  apiKey?: string;
  /**
   * The webhook endpoint's API version: stamped on events (`api_version`) and used to render
   * their data (before 2025-03-31.basil invoices carry `subscription` instead of `parent`, see
   * renderForVersion). Defaults to the installed SDK's pinned version. API responses follow the
   * request's Stripe-Version, as in Stripe.
   */
  apiVersion?: string;
  /** false: the account never saved customer portal settings; creating a portal session fails as in Stripe. Default true. */
  portalConfigured?: boolean;
  /**
   * Also put `current_period_start/end` on the subscription itself (removed from the real
   * API in 2025-03-31.basil; it lives on `items.data[]`). Default true; set false to make
   * sure the app reads the item fields as it must against real Stripe.
   */
  legacyPeriodFields?: boolean;
  /** What the portal's "Cancel subscription" button does. Default 'immediately'. */
  portalCancel?: PortalCancelMode;
  /** Per webhook POST. Default 10 000 ms. */
  deliveryTimeoutMs?: number;
  /** Clock (unix seconds) for object timestamps and billing periods. Signatures always use the wall clock. */
  now?: () => number;
}

export interface RecordedRequest {
  method: string;
  /** Path without query string, e.g. `/v1/checkout/sessions`. */
  path: string;
  /** Query and form body, parsed from Stripe's bracket notation (`line_items[0][price]` → nested). */
  params: ParamObject;
  idempotencyKey: string | null;
  stripeVersion: string | null;
  requestId: string;
  status: number;
  /** True when the response was replayed from the idempotency cache. */
  replayed: boolean;
}

export interface BuiltEvent {
  event: EventObject;
  /** Exactly the bytes that would be POSTed. */
  payload: string;
  /** `Stripe-Signature` header value for `payload`. */
  header: string;
}

export interface BuildEventOptions {
  /** Sign with this secret instead of the server's (forged-signature tests). */
  secret?: string;
  /** `t=` of the signature, unix seconds (stale-signature tests). */
  timestamp?: number;
  previousAttributes?: Record<string, unknown>;
  /** false: do not record the event, so GET /v1/events/:id returns 404 like for a forgery. Default true. */
  record?: boolean;
}

type SimOptions = DeliveryOptions;

export interface StripeTestServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly protocol: 'http';
  /** e.g. `http://127.0.0.1:41234` */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly webhookSecret: string;
  readonly webhookUrl: string | null;
  /** Spread into the Stripe constructor config: `{ host, port, protocol }`. */
  readonly stripeConfig: { host: string; port: number; protocol: 'http' };
  /** Every /v1 request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Every event created (emitted or built), oldest first. */
  readonly events: EventObject[];
  /** Every webhook POST attempt, in order. */
  readonly deliveries: DeliveryResult[];
  /** Read access to the stored objects (mutating them changes what the API returns). */
  readonly state: {
    readonly products: ReadonlyMap<string, ProductObject>;
    readonly prices: ReadonlyMap<string, PriceObject>;
    readonly customers: ReadonlyMap<string, CustomerObject>;
    readonly subscriptions: ReadonlyMap<string, SubscriptionObject>;
    readonly invoices: ReadonlyMap<string, InvoiceObject>;
    readonly checkoutSessions: ReadonlyMap<string, CheckoutSessionObject>;
  };

  setWebhookUrl(url: string | null): void;
  /** The webhook endpoint's API version from now on (null: the SDK's); changes how new events are rendered. */
  setApiVersion(version: string | null): void;
  /** false: portal sessions fail as on an account that never saved its customer portal settings. */
  setPortalConfigured(configured: boolean): void;
  /** Requests matching method and path get Stripe's 403 for a restricted key without `permission` (e.g. rak_billing_portal_session_write). */
  denyPermission(method: string, path: RegExp, permission: string): void;
  clearDenials(): void;
  close(): Promise<void>;

  /**
   * Customer pays: customer (if none), active subscription, paid invoice; checkout.session.completed,
   * customer.subscription.created, invoice.paid. With `burst: true`, every event real Checkout sends
   * (about a dozen, all but the last in the same second; the subscription is created incomplete and
   * updated to active in that second).
   */
  completeCheckout(sessionId: string, opts?: SimOptions & { email?: string; name?: string; burst?: boolean }): Promise<CheckoutCompletion>;
  /** Stripe pauses the subscription (a trial ended without a payment method): customer.subscription.paused, customer.subscription.updated. */
  pauseSubscription(subscriptionId: string, opts?: SimOptions): Promise<SubscriptionChange>;
  /** The paused subscription resumes with a new paid period: invoice.paid, customer.subscription.resumed, customer.subscription.updated. */
  resumeSubscription(subscriptionId: string, opts?: SimOptions): Promise<SubscriptionChange>;
  /** Renewal payment fails (or a retry of the open invoice fails): invoice.payment_failed, customer.subscription.updated (→ past_due). */
  failPayment(subscriptionId: string, opts?: SimOptions): Promise<SubscriptionChange>;
  /** Pays the open invoice left by failPayment (→ active), or renews if there is none: invoice.paid, customer.subscription.updated. */
  payInvoice(subscriptionId: string, opts?: SimOptions): Promise<SubscriptionChange>;
  /** Next period, paid: invoice.paid, customer.subscription.updated. With cancel_at_period_end the subscription ends instead. */
  renew(subscriptionId: string, opts?: SimOptions): Promise<SubscriptionChange>;
  /** Retries exhausted with "mark unpaid": customer.subscription.updated (→ unpaid). */
  markUnpaid(subscriptionId: string, opts?: SimOptions): Promise<SubscriptionChange>;
  /** Ends the subscription now: customer.subscription.deleted. */
  cancelSubscription(subscriptionId: string, opts?: SimOptions & { reason?: CancellationReason }): Promise<SubscriptionChange>;
  /** The session times out unpaid: checkout.session.expired. */
  expireCheckout(sessionId: string, opts?: SimOptions): Promise<SimulationResult & { session: CheckoutSessionObject }>;

  /** A signed event that is not delivered; pass it to deliver() or tamper with payload/header first. */
  buildEvent(type: EventType, object: unknown, opts?: BuildEventOptions): BuiltEvent;
  /** `Stripe-Signature` header for an arbitrary payload. */
  sign(payload: string, opts?: { secret?: string; timestamp?: number }): string;
  /** POSTs an event to the webhook URL; a BuiltEvent is sent byte-for-byte with its header, an event is freshly signed. Returns the HTTP status (0 = no response). */
  deliver(event: EventObject | BuiltEvent): Promise<number>;
  /** POSTs any payload with any signature header. Returns the HTTP status (0 = no response). */
  deliverRaw(payload: string, header: string): Promise<number>;
  /** Resolves when all queued deliveries (including those triggered by API calls) are done. */
  waitForDeliveries(): Promise<void>;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

export async function startStripeTestServer(options: StripeTestServerOptions = {}): Promise<StripeTestServer> {
  const apiKey = options.apiKey ?? `sk_test_${randomBytes(18).toString('hex')}`;
  if (!/^(sk|rk)_test_/.test(apiKey)) throw new Error('stripe test server: apiKey must start with sk_test_ or rk_test_');
  const portalCancel = options.portalCancel ?? 'immediately';
  const world = new StripeWorld({
    baseUrl: '', // known after listen()
    apiKey,
    webhookSecret: options.webhookSecret ?? `whsec_${randomBytes(24).toString('hex')}`,
    webhookUrl: options.webhookUrl ?? null,
    apiVersion: options.apiVersion ?? Stripe.API_VERSION,
    legacyPeriodFields: options.legacyPeriodFields ?? true,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 10_000,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    portalConfigured: options.portalConfigured ?? true,
  });
  const requests: RecordedRequest[] = [];
  const denials: { method: string; path: RegExp; permission: string }[] = [];
  const idempotency = new Map<string, { fingerprint: string; status: number; body: string; requestId: string }>();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Last resort: never leave a test hanging on a bug in the fake.
      if (!res.headersSent) res.writeHead(500, JSON_HEADERS);
      res.end(JSON.stringify({ error: { type: 'api_error', message: `stripe test server bug: ${String(err)}` } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = await readBody(req);
    if (url.pathname.startsWith('/v1/')) {
      handleApiRequest(req, res, method, url, rawBody);
      return;
    }
    const pageResponse = await handlePage(method, url.pathname, new URLSearchParams(rawBody));
    if (pageResponse) {
      res.writeHead(pageResponse.status, pageResponse.headers);
      res.end(pageResponse.body);
      return;
    }
    res.writeHead(404, JSON_HEADERS);
    res.end(JSON.stringify(new StripeApiError(404, `Unrecognized request URL (${method}: ${url.pathname}).`).toBody(), null, 2));
  }

  function handleApiRequest(req: IncomingMessage, res: ServerResponse, method: string, url: URL, rawBody: string): void {
    const requestId = newId('req', 14);
    const idempotencyKey = header(req, 'idempotency-key');
    const stripeVersion = header(req, 'stripe-version');
    // Stripe-node sends GET/DELETE params in the query string and POST params in the body.
    const params = { ...parseParams(url.search.slice(1)), ...parseParams(rawBody) };
    const record = (status: number, replayed: boolean): void => {
      requests.push({ method, path: url.pathname, params, idempotencyKey, stripeVersion, requestId, status, replayed });
    };
    const headers: Record<string, string> = {
      ...JSON_HEADERS,
      'Request-Id': requestId,
      'Stripe-Version': stripeVersion ?? world.config.apiVersion,
      // Errors here are deterministic; tell the SDK not to retry them.
      'Stripe-Should-Retry': 'false',
      ...(idempotencyKey && method === 'POST' ? { 'Idempotency-Key': idempotencyKey } : {}),
    };
    const send = (status: number, body: string, extra: Record<string, string> = {}): void => {
      res.writeHead(status, { ...headers, ...extra });
      res.end(body);
    };
    const sendError = (err: StripeApiError): void => {
      send(err.status, JSON.stringify(err.toBody(), null, 2));
      record(err.status, false);
    };

    const authError = checkAuth(header(req, 'authorization'), apiKey);
    if (authError) return sendError(authError);
    const denial = denials.find((rule) => rule.method === method && rule.path.test(url.pathname));
    if (denial) {
      // what Stripe answers a restricted key without the permission (the SDK raises StripePermissionError)
      return sendError(
        new StripeApiError(
          403,
          `The provided key '${apiKey.slice(0, 8)}${'*'.repeat(Math.max(0, apiKey.length - 12))}${apiKey.slice(-4)}' does not have the required permissions for this endpoint on account 'acct_test'. Having the '${denial.permission}' permission would allow this request to continue.`,
        ),
      );
    }

    // Idempotency: POST only (Stripe ignores keys on GET/DELETE); only successful results are cached.
    let fingerprint = '';
    if (method === 'POST' && idempotencyKey) {
      fingerprint = `${method} ${url.pathname} ${canonicalJson(params)}`;
      const cached = idempotency.get(idempotencyKey);
      if (cached) {
        if (cached.fingerprint !== fingerprint) {
          return sendError(
            new StripeApiError(
              400,
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
              { type: 'idempotency_error' },
            ),
          );
        }
        send(cached.status, cached.body, { 'Idempotent-Replayed': 'true', 'Original-Request': cached.requestId });
        record(cached.status, true);
        return;
      }
    }

    try {
      const result = handleApi(world, {
        method,
        path: url.pathname,
        params,
        request: { id: requestId, idempotency_key: idempotencyKey },
      });
      const body = JSON.stringify(result.body, null, 2);
      if (fingerprint && idempotencyKey) idempotency.set(idempotencyKey, { fingerprint, status: result.status, body, requestId });
      send(result.status, body);
      record(result.status, false);
    } catch (err) {
      if (err instanceof StripeApiError) return sendError(err);
      // Simulation guards (e.g. "already canceled") surface as a Stripe-style 400.
      return sendError(new StripeApiError(400, err instanceof Error ? err.message : String(err)));
    }
  }

  async function handlePage(method: string, path: string, form: URLSearchParams): Promise<PageResponse | null> {
    let m: RegExpExecArray | null;
    if ((m = /^\/c\/pay\/([A-Za-z0-9_]+)$/.exec(path))) {
      const id = m[1] ?? '';
      if (method === 'GET') return renderCheckout(world, id);
      if (method === 'POST') return submitCheckout(world, id, form);
    }
    if ((m = /^\/p\/session\/([A-Za-z0-9_]+)$/.exec(path)) && method === 'GET') return renderPortal(world, m[1] ?? '');
    if ((m = /^\/p\/session\/([A-Za-z0-9_]+)\/cancel$/.exec(path)) && method === 'POST') {
      return submitPortalCancel(world, m[1] ?? '', form, portalCancel);
    }
    if ((m = /^\/i\/([A-Za-z0-9_]+)$/.exec(path)) && method === 'GET') return renderInvoice(world, m[1] ?? '');
    return null;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  world.config.baseUrl = baseUrl;

  const built = (event: EventObject, opts: BuildEventOptions = {}): BuiltEvent => ({
    event,
    ...world.signedPayload(event, {
      ...(opts.secret === undefined ? {} : { secret: opts.secret }),
      ...(opts.timestamp === undefined ? {} : { timestamp: opts.timestamp }),
    }),
  });

  let closed: Promise<void> | null = null;

  return {
    host: '127.0.0.1',
    port,
    protocol: 'http',
    baseUrl,
    apiKey,
    webhookSecret: world.config.webhookSecret,
    get webhookUrl() {
      return world.config.webhookUrl;
    },
    stripeConfig: { host: '127.0.0.1', port, protocol: 'http' },
    requests,
    events: world.events,
    deliveries: world.deliveries,
    state: {
      products: world.products,
      prices: world.prices,
      customers: world.customers,
      subscriptions: world.subscriptions,
      invoices: world.invoices,
      checkoutSessions: world.checkoutSessions,
    },

    setWebhookUrl(url) {
      world.config.webhookUrl = url;
    },
    setApiVersion(version) {
      world.config.apiVersion = version ?? Stripe.API_VERSION;
    },
    setPortalConfigured(configured) {
      world.config.portalConfigured = configured;
    },
    denyPermission(method, path, permission) {
      denials.push({ method: method.toUpperCase(), path, permission });
    },
    clearDenials() {
      denials.length = 0;
    },

    close() {
      closed ??= (async () => {
        await world.idle();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // The SDK keeps sockets alive; don't wait for them to time out.
          server.closeAllConnections();
        });
      })();
      return closed;
    },

    completeCheckout: async (sessionId, opts = {}) => {
      const { email, name, burst, ...delivery } = opts;
      return world.settle(
        world.completeCheckoutState(sessionId, { ...(email === undefined ? {} : { email }), ...(name === undefined ? {} : { name }), burst: burst ?? false }),
        delivery,
      );
    },
    pauseSubscription: async (id, opts = {}) => world.settle(world.pauseState(id), opts),
    resumeSubscription: async (id, opts = {}) => world.settle(world.resumeState(id), opts),
    failPayment: async (id, opts = {}) => world.settle(world.failPaymentState(id), opts),
    payInvoice: async (id, opts = {}) => world.settle(world.payInvoiceState(id), opts),
    renew: async (id, opts = {}) => world.settle(world.renewState(id), opts),
    markUnpaid: async (id, opts = {}) => world.settle(world.markUnpaidState(id), opts),
    cancelSubscription: async (id, opts = {}) => {
      const { reason, ...delivery } = opts;
      return world.settle(world.cancelState(id, { reason: reason ?? 'cancellation_requested' }), delivery);
    },
    expireCheckout: async (id, opts = {}) => world.settle(world.expireCheckoutState(id), opts),

    buildEvent(type, object, opts = {}) {
      const event = world.createEvent(type, object, opts.previousAttributes ? { previousAttributes: opts.previousAttributes } : {});
      if (opts.record === false) world.forgetEvent(event.id);
      return built(event, opts);
    },
    sign(payload, opts = {}) {
      return signPayload(payload, { secret: opts.secret ?? world.config.webhookSecret, ...(opts.timestamp === undefined ? {} : { timestamp: opts.timestamp }) });
    },
    async deliver(event) {
      const result = await world.enqueue(() =>
        'payload' in event
          ? world.deliverRawNow(event.payload, event.header, { eventId: event.event.id, type: event.event.type })
          : world.deliverNow(event),
      );
      return result.status;
    },
    async deliverRaw(payload, signature) {
      return (await world.enqueue(() => world.deliverRawNow(payload, signature))).status;
    },
    waitForDeliveries: () => world.idle(),
  };
}

// ------------------------------------------------------------------ helpers

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseParams(encoded: string): ParamObject {
  if (!encoded) return {};
  // Generous limits: qs turns indices above arrayLimit into object keys, which api.ts also accepts.
  return qs.parse(encoded, { depth: 10, arrayLimit: 100, parameterLimit: 10_000 }) as ParamObject;
}

function checkAuth(authorization: string | null, apiKey: string): StripeApiError | null {
  if (!authorization) {
    return new StripeApiError(
      401,
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  let provided = '';
  if (authorization.startsWith('Bearer ')) provided = authorization.slice(7).trim();
  else if (authorization.startsWith('Basic ')) provided = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':')[0] ?? '';
  if (provided !== apiKey) {
    return new StripeApiError(401, `Invalid API Key provided: ${provided.slice(0, 8)}${'*'.repeat(Math.max(0, provided.length - 12))}${provided.slice(-4)}`);
  }
  return null;
}

/** Key-order-independent JSON, so replays compare parameters, not their encoding order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
