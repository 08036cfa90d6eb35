import { GracePeriods } from '#provisioning';
import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { BillingSweeper, SubscriptionsService, WebhookProcessor } from '#billing';
import { AuditEvent } from '#domain';
import { Order, Subscription, WebhookEvent } from '#billing';
import { TenantLifecycleService } from '#provisioning';
import { addMember, createClub } from '#test/support/fixtures.js';
import { allEventsProcessed, auditActions, type BillingStack, operationsOf, orderForm, rowCounts, startBillingStack, tenantOf, unprocessed } from './billing-harness.js';

/**
 * The whole Stripe flow against the local Stripe-compatible server: the real SDK, really
 * signed webhooks, HTTP -> stored event -> queue -> worker -> tenant lifecycle.
 */
describe('billing through Stripe', () => {
  let stack: BillingStack;
  const system = { type: 'system' as const, id: 'test' };

  beforeAll(async () => {
    stack = await startBillingStack({ stripe: true });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const http = () => stack.api.http();
  const dataSource = () => stack.api.dataSource;
  const stripe = () => stack.stripe!;

  /** Orders through the form and returns the order with its Checkout Session id. */
  async function order(overrides: Record<string, string> = {}) {
    const response = await http().post('/order').type('form').send(orderForm(overrides)).expect(303);
    expect(response.headers.location).toMatch(new RegExp(`^${stripe().baseUrl}/c/pay/cs_test_`));
    const sessionId = response.headers.location.split('/').pop()!;
    const row = await dataSource().manager.findOneByOrFail(Order, { checkoutSessionId: sessionId });
    return { orderId: row.id, sessionId };
  }

  const provisioned = async (orderId: string) => {
    const tenant = await tenantOf(dataSource(), orderId);
    await stack.api.app.get(TenantLifecycleService).transition(tenant.id, 'provisioned', system);
  };

  async function paidAndRunning() {
    const placed = await order();
    const { subscription } = await stripe().completeCheckout(placed.sessionId);
    await allEventsProcessed(dataSource());
    await provisioned(placed.orderId);
    return { ...placed, subscriptionId: subscription.id };
  }

  it('creates a subscription Checkout Session with the plan price, the email, the order id and an idempotency key', async () => {
    const form = orderForm({ plan: 'website' });
    const response = await http().post('/order').type('form').send(form).expect(303);
    const request = stripe().requests.find((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions')!;
    const row = await dataSource().manager.findOneByOrFail(Order, { checkoutSessionId: response.headers.location.split('/').pop() });
    expect(request.params).toMatchObject({
      mode: 'subscription',
      customer_email: form.contactEmail,
      client_reference_id: row.id,
      metadata: { orderId: row.id },
      subscription_data: { metadata: { orderId: row.id } },
      line_items: [{ quantity: '1' }],
    });
    const price = stripe().state.prices.get((request.params.line_items as [{ price: string }])[0].price)!;
    expect(price).toMatchObject({ unit_amount: 600, currency: 'eur', lookup_key: 'allmende_website_monthly' });
    expect(request.idempotencyKey).toBe(`allmende-checkout-${row.id}`);
    expect(row).toMatchObject({ state: 'pending_payment', paymentProvider: 'stripe' });
    expect((await tenantOf(dataSource(), row.id)).state).toBe('awaiting_payment');
    // "continue to payment" returns to the same open session
    const again = await http().post(`/order/${row.id}/checkout`).expect(303);
    expect(again.headers.location).toBe(response.headers.location);
  });

  it('charges nothing for bad input', async () => {
    const before = stripe().requests.length;
    const counts = await rowCounts(dataSource());
    await http().post('/order').type('form').send(orderForm({ subdomain: 'api' })).expect(400);
    await http().post('/order').type('form').send(orderForm({ plan: 'nope' })).expect(400);
    expect(stripe().requests.length).toBe(before);
    expect(await rowCounts(dataSource())).toEqual(counts);
  });

  it('pays -> provisions, through HTTP, the stored event, the queue and the worker', async () => {
    const { orderId, sessionId } = await order();
    const completion = await stripe().completeCheckout(sessionId);
    expect(completion.deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
    // stored before processing, processed by the worker
    expect(await dataSource().manager.countBy(WebhookEvent, { eventId: completion.events[0].id })).toBe(1);
    await allEventsProcessed(dataSource());

    const tenant = await tenantOf(dataSource(), orderId);
    expect(tenant.state).toBe('provisioning');
    expect((await operationsOf(dataSource(), tenant.id)).map((o) => [o.kind, o.state])).toEqual([['provision', 'queued']]);
    expect(await dataSource().manager.findOneByOrFail(Order, { id: orderId })).toMatchObject({ state: 'paid' });
    const subscription = await dataSource().manager.findOneByOrFail(Subscription, { orderId });
    expect(subscription).toMatchObject({ provider: 'stripe', status: 'active', providerSubscriptionId: completion.subscription.id, providerCustomerId: completion.customer.id });
    expect(subscription.currentPeriodEnd?.getTime()).toBe(completion.subscription.items.data[0].current_period_end * 1000);
    const audit = await dataSource().manager.findOneByOrFail(AuditEvent, { targetId: tenant.id, action: 'tenant.provisioning' });
    expect(audit).toMatchObject({ actorType: 'provider', actorId: 'stripe' });

    const page = (await http().get(`/order/${orderId}?checkout=success`).expect(200)).text;
    expect(page).toContain('Setting up your apps');
    expect(page).toContain('Choose a Docker host');
    await provisioned(orderId);
    const ready = (await http().get(`/order/${orderId}/status`).expect(200)).text;
    expect(ready).toContain('Your apps are ready');
    expect(ready).toContain(`https://${tenant.primaryDomain}`);
  });

  it('follows dunning: past due with grace, suspended after it, active again when paid, terminating when canceled', async () => {
    const { orderId, subscriptionId } = await paidAndRunning();
    await stripe().failPayment(subscriptionId);
    await allEventsProcessed(dataSource());
    let tenant = await tenantOf(dataSource(), orderId);
    expect(tenant.state).toBe('past_due');
    expect(Math.round((tenant.graceEndsAt!.getTime() - Date.now()) / 86_400_000)).toBe(14);
    expect((await http().get(`/order/${orderId}`).expect(200)).text).toContain('Your last payment failed');

    await stripe().payInvoice(subscriptionId);
    await allEventsProcessed(dataSource());
    expect((await tenantOf(dataSource(), orderId)).state).toBe('active');

    await stripe().failPayment(subscriptionId);
    await allEventsProcessed(dataSource());
    const sweeper = stack.worker!.get(GracePeriods);
    await sweeper.endGracePeriods(new Date(Date.now() + 15 * 86_400_000));
    tenant = await tenantOf(dataSource(), orderId);
    expect(tenant.state).toBe('suspended');

    await stripe().payInvoice(subscriptionId);
    await allEventsProcessed(dataSource());
    expect((await tenantOf(dataSource(), orderId)).state).toBe('active');

    await stripe().cancelSubscription(subscriptionId);
    await allEventsProcessed(dataSource());
    tenant = await tenantOf(dataSource(), orderId);
    expect(tenant.state).toBe('terminating');
    expect(Math.round((tenant.deleteDataAfter!.getTime() - Date.now()) / 86_400_000)).toBe(30);
    expect((await dataSource().manager.findOneByOrFail(Order, { id: orderId })).state).toBe('canceled');
    expect((await operationsOf(dataSource(), tenant.id)).map((o) => [o.kind, o.state])).toEqual([
      ['provision', 'queued'],
      ['suspend', 'queued'],
      ['resume', 'queued'],
      ['terminate', 'queued'],
    ]);
    expect(await auditActions(dataSource(), tenant.id)).toEqual([
      'tenant.ordered',
      'tenant.awaiting_payment',
      'tenant.provisioning',
      'tenant.active',
      'tenant.past_due',
      'tenant.active',
      'tenant.past_due',
      'tenant.suspended',
      'tenant.active',
      'tenant.terminating',
    ]);
  });

  it('stores and processes a duplicated event once', async () => {
    const { orderId, sessionId } = await order();
    const completion = await stripe().completeCheckout(sessionId, { duplicate: true });
    expect(completion.deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(completion.deliveries.filter((d) => d.responseBody.includes('"duplicate":true'))).toHaveLength(3);
    await allEventsProcessed(dataSource());
    for (const event of completion.events) expect(await dataSource().manager.countBy(WebhookEvent, { eventId: event.id })).toBe(1);
    const tenant = await tenantOf(dataSource(), orderId);
    expect(await auditActions(dataSource(), tenant.id)).toEqual(['tenant.ordered', 'tenant.awaiting_payment', 'tenant.provisioning']);
    expect(await operationsOf(dataSource(), tenant.id)).toHaveLength(1);
  });

  it('ends in the latest state when events arrive in reverse order, even concurrently', async () => {
    const first = await order();
    await stripe().completeCheckout(first.sessionId, { order: 'reverse' });
    await allEventsProcessed(dataSource());
    expect((await tenantOf(dataSource(), first.orderId)).state).toBe('provisioning');

    const { orderId, subscriptionId } = await paidAndRunning();
    // payment fails, then succeeds: Stripe's events of both arrive newest first, all at once
    const failed = await stripe().failPayment(subscriptionId, { deliver: false });
    const paid = await stripe().payInvoice(subscriptionId, { deliver: false });
    const events = [...failed.events, ...paid.events].reverse();
    expect((await Promise.all(events.map((event) => stripe().deliver(event)))).every((status) => status === 200)).toBe(true);
    await allEventsProcessed(dataSource());
    expect((await tenantOf(dataSource(), orderId)).state).toBe('active');
    expect((await dataSource().manager.findOneByOrFail(Subscription, { orderId })).status).toBe('active');
  });

  it('ignores a stale event that arrives after newer ones', async () => {
    const { orderId, subscriptionId } = await paidAndRunning();
    const stale = stripe().buildEvent('customer.subscription.updated', { ...stripe().state.subscriptions.get(subscriptionId)!, status: 'past_due' });
    await stripe().renew(subscriptionId); // newer: invoice.paid, subscription active
    await allEventsProcessed(dataSource());
    expect(await stripe().deliver(stale)).toBe(200);
    await allEventsProcessed(dataSource());
    expect((await dataSource().manager.findOneByOrFail(WebhookEvent, { eventId: stale.event.id })).processedAt).not.toBeNull();
    expect((await tenantOf(dataSource(), orderId)).state).toBe('active');
    expect((await dataSource().manager.findOneByOrFail(Subscription, { orderId })).status).toBe('active');
  });

  it('refuses forged, tampered, stale-signed and unsigned webhooks with 400 and stores nothing', async () => {
    const before = await dataSource().manager.count(WebhookEvent);
    const object = { id: 'sub_forged', object: 'subscription', status: 'canceled', metadata: {} };
    const forged = stripe().buildEvent('customer.subscription.deleted', object, { secret: `whsec_${randomBytes(24).toString('hex')}`, record: false });
    expect(await stripe().deliver(forged)).toBe(400);
    const genuine = stripe().buildEvent('customer.subscription.deleted', object, { record: false });
    expect(await stripe().deliverRaw(genuine.payload.replace('"canceled"', '"active"'), genuine.header)).toBe(400);
    const stale = stripe().buildEvent('customer.subscription.deleted', object, { timestamp: Math.floor(Date.now() / 1000) - 600, record: false });
    expect(await stripe().deliver(stale)).toBe(400);
    const unsigned = await http().post('/webhooks/stripe').set('Content-Type', 'application/json').send(genuine.payload).expect(400);
    expect(unsigned.body.error).toBe('webhook.rejected');
    expect(await dataSource().manager.count(WebhookEvent)).toBe(before);
  });

  it('retries a handler that failed, and records the failure meanwhile', async () => {
    const { orderId, sessionId } = await order();
    const subscriptions = stack.worker!.get(SubscriptionsService);
    const apply = subscriptions.apply.bind(subscriptions);
    let failures = 0;
    const spy = jest.spyOn(subscriptions, 'apply').mockImplementation(async (...args) => {
      if (failures++ === 0) throw new Error('database hiccup');
      return apply(...args);
    });
    let eventId: string;
    try {
      eventId = (await stripe().completeCheckout(sessionId, { order: ['checkout.session.completed'] })).events[0].id;
      await allEventsProcessed(dataSource(), 30_000);
    } finally {
      spy.mockRestore();
    }
    const event = await dataSource().manager.findOneByOrFail(WebhookEvent, { eventId: eventId! });
    expect(event.attempts).toBe(2);
    expect(event.lastError).toBeNull();
    expect((await tenantOf(dataSource(), orderId)).state).toBe('provisioning');
  });

  it('loses nothing when the worker is down: stored events wait and are processed when it is back', async () => {
    await stack.stopWorker();
    const { orderId, sessionId } = await order();
    const completion = await stripe().completeCheckout(sessionId);
    expect(completion.deliveries.every((d) => d.status === 200)).toBe(true);
    expect(await unprocessed(dataSource())).toBe(3);
    expect((await tenantOf(dataSource(), orderId)).state).toBe('awaiting_payment');

    await stack.startWorker();
    await allEventsProcessed(dataSource());
    expect((await tenantOf(dataSource(), orderId)).state).toBe('provisioning');
  });

  it('expires an unpaid checkout: the order expires and the tenant is abandoned', async () => {
    const { orderId, sessionId } = await order();
    await stripe().expireCheckout(sessionId);
    await allEventsProcessed(dataSource());
    expect((await dataSource().manager.findOneByOrFail(Order, { id: orderId })).state).toBe('expired');
    expect((await tenantOf(dataSource(), orderId)).state).toBe('terminated');
    expect((await http().get(`/order/${orderId}`).expect(200)).text).toContain('This order has expired');
  });

  it('catches up a payment that failed while the tenant was still provisioning', async () => {
    const { orderId, sessionId } = await order();
    const { subscription } = await stripe().completeCheckout(sessionId);
    await allEventsProcessed(dataSource());
    await stripe().failPayment(subscription.id);
    await allEventsProcessed(dataSource());
    expect((await tenantOf(dataSource(), orderId)).state).toBe('provisioning');
    await provisioned(orderId);
    expect(await stack.worker!.get(BillingSweeper).reconcile()).toBeGreaterThanOrEqual(1);
    expect((await tenantOf(dataSource(), orderId)).state).toBe('past_due');
  });

  describe('customer portal', () => {
    it('opens for owners and billing members, through the API and the order page', async () => {
      const form = orderForm();
      const response = await http().post('/order').type('form').send(form).expect(303);
      const sessionId = response.headers.location.split('/').pop()!;
      const row = await dataSource().manager.findOneByOrFail(Order, { checkoutSessionId: sessionId });
      await stripe().completeCheckout(sessionId);
      await allEventsProcessed(dataSource());
      const login = await http().post('/api/v1/auth/login').send({ email: form.contactEmail, password: form.password }).expect(200);
      const owner = { Authorization: `Bearer ${login.body.token}` };

      const viaApi = await http().post(`/api/v1/organizations/${row.organizationId}/billing-portal`).set(owner).expect(201);
      expect(viaApi.body.url).toMatch(new RegExp(`^${stripe().baseUrl}/p/session/bps_`));
      const portalRequest = stripe().requests.filter((r) => r.path === '/v1/billing_portal/sessions').pop()!;
      expect(portalRequest.params).toMatchObject({ return_url: `${stack.url}/order/${row.id}` });
      expect(portalRequest.idempotencyKey).toMatch(/^allmende-portal-/);

      const billing = await addMember(stack.api, row.organizationId, 'billing');
      await http().post(`/api/v1/organizations/${row.organizationId}/billing-portal`).set(billing.auth).expect(201);
      const member = await addMember(stack.api, row.organizationId, 'member');
      await http().post(`/api/v1/organizations/${row.organizationId}/billing-portal`).set(member.auth).expect(403);
      const outsider = await createClub(stack.api);
      await http().post(`/api/v1/organizations/${row.organizationId}/billing-portal`).set(outsider.owner.auth).expect(404);

      const viaPage = await http().post(`/order/${row.id}/billing-portal`).type('form').send({ email: form.contactEmail, password: form.password }).expect(303);
      expect(viaPage.headers.location).toMatch(/\/p\/session\/bps_/);
      const wrong = await http().post(`/order/${row.id}/billing-portal`).type('form').send({ email: form.contactEmail, password: 'wrong-password-123' }).expect(401);
      expect(wrong.text).toContain('Email or password is wrong');
      expect(wrong.text).not.toContain('wrong-password-123');
      await http().post(`/order/${row.id}/billing-portal`).type('form').send({ email: outsider.owner.email, password: outsider.owner.password }).expect(403);
      expect(await auditActions(dataSource(), (await dataSource().manager.findOneByOrFail(Subscription, { orderId: row.id })).id)).toContain('billing.portal_opened');
    });
  });

  it('works in the real worker app too', async () => {
    await stack.stopWorker();
    await stack.startWorker('full');
    const { orderId, sessionId } = await order();
    await stripe().completeCheckout(sessionId);
    await allEventsProcessed(dataSource());
    const tenant = await tenantOf(dataSource(), orderId);
    // audit rows, not the current state: the provisioning worker may already be at work
    expect(await auditActions(dataSource(), tenant.id)).toEqual(expect.arrayContaining(['tenant.provisioning']));
    expect((await operationsOf(dataSource(), tenant.id)).map((o) => o.kind)).toContain('provision');
    expect(stack.worker!.get(WebhookProcessor)).toBeDefined();
  });
});
