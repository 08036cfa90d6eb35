import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { Order, Subscription, WebhookEvent } from '#billing';
import { loadConfig } from '#platform';
import { TenantLifecycleService } from '#provisioning';
import { createOperator, type Session } from '#test/support/fixtures.js';
import { testConfig } from '#test/support/api-harness.js';
import { allEventsProcessed, auditActions, type BillingStack, operationsOf, orderForm, startBillingStack, tenantOf } from './billing-harness.js';

/**
 * Real Stripe's habits against the local Stripe-compatible server: events rendered in an older
 * API version (invoice.subscription instead of invoice.parent), Checkout's burst of a dozen
 * events mostly in the same second, paused subscriptions, scheduled cancellations, an account
 * without customer portal settings, and a restricted key (rk_...) instead of a secret key.
 */
describe('billing with real Stripe habits', () => {
  let stack: BillingStack;
  let operator: Session;
  const system = { type: 'system' as const, id: 'test' };
  const restrictedKey = `rk_test_${randomBytes(18).toString('hex')}`;

  beforeAll(async () => {
    stack = await startBillingStack({ stripe: { apiKey: restrictedKey } });
    operator = await createOperator(stack.api);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const http = () => stack.api.http();
  const dataSource = () => stack.api.dataSource;
  const stripe = () => stack.stripe!;

  async function order() {
    const form = orderForm();
    const response = await http().post('/order').type('form').send(form).expect(303);
    const sessionId = response.headers.location.split('/').pop()!;
    const row = await dataSource().manager.findOneByOrFail(Order, { checkoutSessionId: sessionId });
    return { orderId: row.id, organizationId: row.organizationId, sessionId, form };
  }

  async function paidAndRunning() {
    const placed = await order();
    const { subscription } = await stripe().completeCheckout(placed.sessionId);
    await allEventsProcessed(dataSource());
    const tenant = await tenantOf(dataSource(), placed.orderId);
    await stack.api.app.get(TenantLifecycleService).transition(tenant.id, 'provisioned', system);
    return { ...placed, subscriptionId: subscription.id };
  }

  const subscriptionOf = (orderId: string) => dataSource().manager.findOneByOrFail(Subscription, { orderId });
  const storedPayload = async (eventId: string) => (await dataSource().manager.findOneByOrFail(WebhookEvent, { eventId })).payload as { api_version: string; data: { object: Record<string, unknown> } };

  it('runs on a restricted key (rk_...), and the configuration accepts restricted keys in live mode too', () => {
    expect(stack.api.config.billing.provider).toBe('stripe');
    expect(stripe().requests.filter((request) => request.status === 401)).toEqual([]);
    const { config, dataDir } = testConfig({ STRIPE_SECRET_KEY: 'rk_live_51Abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' });
    rmSync(dataDir, { recursive: true, force: true });
    expect(config.billing.provider).toBe('stripe');
    expect(() => loadConfig({ NODE_ENV: 'test', ALLMENDE_DATA_DIR: dataDir, STRIPE_SECRET_KEY: 'pk_test_publishable', STRIPE_WEBHOOK_SECRET: 'whsec_abc' })).toThrow(/STRIPE_SECRET_KEY must be a Stripe secret key .* or restricted key/);
  });

  it("settles Checkout's real burst (a dozen events, most in the same second, all at once) by asking Stripe, with no lock held", async () => {
    const placed = await order();
    const completion = await stripe().completeCheckout(placed.sessionId, { burst: true, concurrent: true });
    expect(completion.events.length).toBeGreaterThanOrEqual(12);
    const perSecond = new Map<number, number>();
    for (const event of completion.events) perSecond.set(event.created, (perSecond.get(event.created) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeGreaterThanOrEqual(10);
    // in that second the subscription is created incomplete and updated to active
    const created = completion.events.find((event) => event.type === 'customer.subscription.created')!;
    const updated = completion.events.find((event) => event.type === 'customer.subscription.updated')!;
    expect([created.created, (created.data.object as { status: string }).status]).toEqual([updated.created, 'incomplete']);
    expect(completion.deliveries.map((delivery) => delivery.status)).toEqual(completion.events.map(() => 200));

    await allEventsProcessed(dataSource());
    expect(await subscriptionOf(placed.orderId)).toMatchObject({ status: 'active', providerSubscriptionId: completion.subscription.id });
    const tenant = await tenantOf(dataSource(), placed.orderId);
    expect(tenant.state).toBe('provisioning');
    expect((await operationsOf(dataSource(), tenant.id)).map((operation) => operation.kind)).toEqual(['provision']);
    // the same-second disagreement was settled by Stripe's current view of the subscription
    expect(stripe().requests.filter((request) => request.method === 'GET' && request.path === `/v1/subscriptions/${completion.subscription.id}`).length).toBeGreaterThanOrEqual(1);
    expect((await dataSource().manager.findOneByOrFail(Order, { id: placed.orderId })).state).toBe('paid');
  });

  it('reads invoice events rendered in an API version older than 2025-03-31 (invoice.subscription), and warns once about the version', async () => {
    const { orderId, subscriptionId } = await paidAndRunning();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    stripe().setApiVersion('2024-06-20');
    try {
      // only the invoice events: the subscription events would carry the state by themselves
      const failed = await stripe().failPayment(subscriptionId, { order: ['invoice.payment_failed'] });
      expect(failed.deliveries.map((delivery) => delivery.status)).toEqual([200]);
      await allEventsProcessed(dataSource());
      const stored = await storedPayload(failed.events[0].id);
      expect(stored.api_version).toBe('2024-06-20');
      expect(stored.data.object.subscription).toBe(subscriptionId);
      expect(stored.data.object.parent).toBeUndefined();
      expect((await tenantOf(dataSource(), orderId)).state).toBe('past_due');
      expect((await subscriptionOf(orderId)).status).toBe('past_due');

      const paid = await stripe().payInvoice(subscriptionId, { order: ['invoice.paid'] });
      expect(paid.deliveries.map((delivery) => delivery.status)).toEqual([200]);
      await allEventsProcessed(dataSource());
      expect((await tenantOf(dataSource(), orderId)).state).toBe('active');
      expect((await subscriptionOf(orderId)).status).toBe('active');

      const warnings = warn.mock.calls.map((call) => String(call[0])).filter((message) => message.includes('2024-06-20'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(Stripe.API_VERSION);
      expect(warnings[0]).toContain('stripe listen --latest');
    } finally {
      stripe().setApiVersion(null);
      warn.mockRestore();
    }
  });

  it("settles the burst rendered in an older API version too, shuffled and with duplicates", async () => {
    stripe().setApiVersion('2025-02-24.acacia');
    try {
      const placed = await order();
      const completion = await stripe().completeCheckout(placed.sessionId, { burst: true, order: 'shuffle', duplicate: true, concurrent: true });
      expect(completion.deliveries.every((delivery) => delivery.status === 200)).toBe(true);
      await allEventsProcessed(dataSource());
      expect((await subscriptionOf(placed.orderId)).status).toBe('active');
      expect((await tenantOf(dataSource(), placed.orderId)).state).toBe('provisioning');
      const invoicePaid = completion.events.find((event) => event.type === 'invoice.paid')!;
      expect((await storedPayload(invoicePaid.id)).data.object.subscription).toBe(completion.subscription.id);
    } finally {
      stripe().setApiVersion(null);
    }
  });

  it('treats a paused subscription like an unpaid one (grace period, then suspension) and a resumed one as paid', async () => {
    const { orderId, subscriptionId } = await paidAndRunning();
    const paused = await stripe().pauseSubscription(subscriptionId);
    expect(paused.events.map((event) => event.type)).toEqual(['customer.subscription.paused', 'customer.subscription.updated']);
    await allEventsProcessed(dataSource());
    expect((await subscriptionOf(orderId)).status).toBe('paused');
    let tenant = await tenantOf(dataSource(), orderId);
    expect(tenant.state).toBe('past_due');
    expect(tenant.graceEndsAt).not.toBeNull();
    expect((await dataSource().manager.findOneByOrFail(Order, { id: orderId })).state).toBe('paid');

    const resumed = await stripe().resumeSubscription(subscriptionId);
    await allEventsProcessed(dataSource());
    const subscription = await subscriptionOf(orderId);
    expect(subscription.status).toBe('active');
    expect(subscription.currentPeriodEnd!.getTime()).toBe(resumed.subscription.items.data[0].current_period_end * 1000);
    tenant = await tenantOf(dataSource(), orderId);
    expect(tenant.state).toBe('active');
    expect(tenant.graceEndsAt).toBeNull();
    expect(await auditActions(dataSource(), subscription.id)).toEqual(['subscription.active', 'subscription.paused', 'subscription.active']);
  });

  it('records a scheduled cancellation (cancel_at) and shows it, keeps the club running until Stripe ends the subscription', async () => {
    const { orderId, subscriptionId } = await paidAndRunning();
    const client = stack.stripeClient!;
    const listed = async () => {
      const orders = (await http().get('/api/v1/orders?provider=stripe').set(operator.auth).expect(200)).body as { id: string; subscription: { cancelAt: string | null; cancelAtPeriodEnd: boolean } }[];
      return orders.find((entry) => entry.id === orderId)!.subscription;
    };

    const cancelAt = Math.floor(Date.now() / 1000) + 10 * 86_400;
    await client.subscriptions.update(subscriptionId, { cancel_at: cancelAt });
    await stripe().waitForDeliveries();
    await allEventsProcessed(dataSource());
    expect((await subscriptionOf(orderId)).cancelAt?.getTime()).toBe(cancelAt * 1000);
    expect(await listed()).toMatchObject({ cancelAt: new Date(cancelAt * 1000).toISOString(), cancelAtPeriodEnd: false });

    await client.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
    await stripe().waitForDeliveries();
    await allEventsProcessed(dataSource());
    const periodEnd = stripe().state.subscriptions.get(subscriptionId)!.items.data[0].current_period_end;
    expect(await listed()).toMatchObject({ cancelAt: new Date(periodEnd * 1000).toISOString(), cancelAtPeriodEnd: true });

    await client.subscriptions.update(subscriptionId, { cancel_at_period_end: false });
    await stripe().waitForDeliveries();
    await allEventsProcessed(dataSource());
    expect(await listed()).toMatchObject({ cancelAt: null, cancelAtPeriodEnd: false });
    expect((await tenantOf(dataSource(), orderId)).state).toBe('active');

    await stripe().cancelSubscription(subscriptionId);
    await allEventsProcessed(dataSource());
    expect((await tenantOf(dataSource(), orderId)).state).toBe('terminating');
  });

  it('says what to configure when the account has no customer portal settings, or the restricted key lacks a permission', async () => {
    const placed = await order();
    await stripe().completeCheckout(placed.sessionId);
    await allEventsProcessed(dataSource());
    const login = await http().post('/api/v1/auth/login').send({ email: placed.form.contactEmail, password: placed.form.password }).expect(200);
    const owner = { Authorization: `Bearer ${login.body.token}` };
    const openPortal = () => http().post(`/api/v1/organizations/${placed.organizationId}/billing-portal`).set(owner);

    stripe().setPortalConfigured(false);
    try {
      const refused = await openPortal().expect(503);
      expect(refused.body.error).toBe('billing.portal_not_configured');
      expect(refused.body.message).toContain('Stripe dashboard');
      expect(refused.body.message).toContain('Settings -> Billing -> Customer portal');
      const page = await http().post(`/order/${placed.orderId}/billing-portal`).type('form').send({ email: placed.form.contactEmail, password: placed.form.password }).expect(503);
      expect(page.text).toContain('Customer portal');
    } finally {
      stripe().setPortalConfigured(true);
    }

    stripe().denyPermission('POST', /^\/v1\/billing_portal\/sessions$/, 'rak_billing_portal_session_write');
    try {
      const denied = await openPortal().expect(503);
      expect(denied.body.error).toBe('billing.provider_unavailable');
      expect(denied.body.message).toContain('restricted key (rk_...) needs write access');
    } finally {
      stripe().clearDenials();
    }
    expect((await openPortal().expect(201)).body.url).toMatch(/\/p\/session\/bps_/);
  });
});
