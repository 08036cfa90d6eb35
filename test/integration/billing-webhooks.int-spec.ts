import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Order, PaymentProvider, Subscription, WebhookEvent } from '#billing';
import { createOperator, type Session } from '#test/support/fixtures.js';
import { postWebhook } from '#test/support/stripe/webhooks.js';
import { allEventsProcessed, type BillingStack, orderForm, startBillingStack, tenantOf } from './billing-harness.js';

/**
 * Webhooks that one bad request cannot break: correctly signed bodies that are not Stripe
 * events, bodies nested thousands of levels deep and signatures dated in the future are each
 * refused on their own (a clear 400), while good events arriving in the same moment are stored
 * and processed. Also the API's own JSON body parser refuses absurd nesting with a 400.
 */
describe('webhooks that one bad event cannot break', () => {
  let stack: BillingStack;
  let operator: Session;

  beforeAll(async () => {
    stack = await startBillingStack({ stripe: true });
    operator = await createOperator(stack.api);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const http = () => stack.api.http();
  const dataSource = () => stack.api.dataSource;
  const stripe = () => stack.stripe!;
  const webhookUrl = () => `${stack.url}/webhooks/stripe`;

  /** Posts any body with a valid signature over exactly those bytes; returns status and parsed answer. */
  async function postSigned(payload: string, timestamp?: number) {
    const result = await postWebhook(webhookUrl(), payload, stripe().sign(payload, timestamp === undefined ? {} : { timestamp }), 10_000);
    return { status: result.status, body: result.responseBody ? (JSON.parse(result.responseBody) as { error?: string; message?: string }) : {} };
  }

  async function placeOrder() {
    const response = await http().post('/order').type('form').send(orderForm()).expect(303);
    const sessionId = response.headers.location.split('/').pop()!;
    const row = await dataSource().manager.findOneByOrFail(Order, { checkoutSessionId: sessionId });
    return { orderId: row.id, sessionId };
  }

  const deeplyNested = (levels: number) => `{"id":"evt_deep","object":"event","type":"customer.updated","created":1,"data":{"object":${'['.repeat(levels)}${']'.repeat(levels)}}}`;

  const BAD_BODIES: Record<string, string> = {
    'a JSON array': JSON.stringify([{ id: 'evt_in_array', object: 'event', type: 'customer.created', created: 1, data: { object: {} } }], null, 2),
    'an event without an id': JSON.stringify({ object: 'event', type: 'customer.created', created: 1, data: { object: {} } }, null, 2),
    'an event whose id is not a string': JSON.stringify({ id: 42, object: 'event', type: 'customer.created', created: 1, data: { object: {} } }),
    'an event without a type': JSON.stringify({ id: 'evt_no_type', object: 'event', created: 1, data: { object: {} } }),
    'an event without created': JSON.stringify({ id: 'evt_no_created', object: 'event', type: 'customer.created', data: { object: {} } }),
    'an event without data.object': JSON.stringify({ id: 'evt_no_data', object: 'event', type: 'customer.created', created: 1 }),
    'a JSON string': '"evt_1"',
    'null': 'null',
    'a text Postgres cannot store (a NUL character)': JSON.stringify({ id: 'evt_nul', object: 'event', type: 'customer.created', created: 1, data: { object: { name: 'a\u0000b' } } }),
    'a lone surrogate': '{"id":"evt_surrogate","object":"event","type":"customer.created","created":1,"data":{"object":{"name":"\\ud800"}}}',
    'an id longer than 255 characters': JSON.stringify({ id: `evt_${'x'.repeat(300)}`, object: 'event', type: 'customer.created', created: 1, data: { object: {} } }),
    'nesting 5000 levels deep': deeplyNested(5000),
    'a number beyond what can be stored': '{"id":"evt_huge","object":"event","type":"invoice.paid","created":1,"data":{"object":{"amount_paid":1e400000}}}',
    'a creation time beyond the year 9999': JSON.stringify({ id: 'evt_late', object: 'event', type: 'customer.created', created: 99_999_999_999_999, data: { object: {} } }),
  };

  it.each(Object.entries(BAD_BODIES))('refuses a correctly signed body that is %s with a clear 400, storing nothing', async (_what, payload) => {
    const before = await dataSource().manager.count(WebhookEvent);
    const { status, body } = await postSigned(payload);
    expect(status).toBe(400);
    expect(body.error).toBe('webhook.rejected');
    expect(body.message).toMatch(/^Webhook rejected: /);
    expect(await dataSource().manager.count(WebhookEvent)).toBe(before);
  });

  it('stores and processes every good event of a burst in which some requests are bad', async () => {
    const orders = await Promise.all(Array.from({ length: 6 }, () => placeOrder()));
    const completions = await Promise.all(orders.map((placed) => stripe().completeCheckout(placed.sessionId, { deliver: false })));
    const goodEvents = completions.flatMap((completion) => completion.events);
    const good = goodEvents.map((event) => ({ kind: 'good' as const, payload: JSON.stringify(event, null, 2) }));
    const bad = Object.values(BAD_BODIES).map((payload) => ({ kind: 'bad' as const, payload }));
    // interleave the bad requests with the good ones and send them all at once, several rounds
    const requests = good.flatMap((entry, index) => (index % 2 === 0 && bad[index / 2] ? [entry, bad[index / 2]] : [entry]));
    const results = await Promise.all(requests.map(async (request) => ({ kind: request.kind, ...(await postSigned(request.payload)) })));

    expect(results.filter((result) => result.kind === 'good').map((result) => result.status)).toEqual(good.map(() => 200));
    const refused = results.filter((result) => result.kind === 'bad');
    expect(refused.length).toBeGreaterThanOrEqual(6);
    expect(refused.map((result) => result.status)).toEqual(refused.map(() => 400));
    for (const event of goodEvents) expect(await dataSource().manager.countBy(WebhookEvent, { eventId: event.id })).toBe(1);
    await allEventsProcessed(dataSource());
    for (const placed of orders) {
      expect((await tenantOf(dataSource(), placed.orderId)).state).toBe('provisioning');
      expect((await dataSource().manager.findOneByOrFail(Subscription, { orderId: placed.orderId })).status).toBe('active');
    }
  });

  it('fails only the event Postgres refuses when one slips past the checks into a batch: the others of the batch are stored', async () => {
    // the checks are bypassed for this test, so that a body jsonb refuses reaches the group commit
    const provider = stack.api.app.get(PaymentProvider);
    const verify = provider.verifyWebhook.bind(provider);
    const spy = jest.spyOn(provider, 'verifyWebhook').mockImplementation((rawBody, signature) => {
      const text = rawBody.toString('utf8');
      if (!text.includes('evt_slipped')) return verify(rawBody, signature);
      return { id: 'evt_slipped', type: 'customer.updated', created: new Date(), payload: JSON.parse(text), json: text };
    });
    try {
      const placed = await Promise.all(Array.from({ length: 3 }, () => placeOrder()));
      const events = (await Promise.all(placed.map((entry) => stripe().completeCheckout(entry.sessionId, { deliver: false })))).flatMap((completion) => completion.events);
      const poisoned = '{"id":"evt_slipped","object":"event","type":"customer.updated","created":1,"data":{"object":{"name":"a\\u0000b"}}}';
      const good = events.map((event) => JSON.stringify(event, null, 2));
      const middle = Math.floor(good.length / 2);
      const requests = [...good.slice(0, middle), poisoned, ...good.slice(middle)];
      const warn = jest.spyOn(Logger.prototype, 'warn');
      const results = await Promise.all(requests.map((payload) => postSigned(payload)));
      const splits = warn.mock.calls.map((call) => String(call[0])).filter((message) => message.includes('storing them one by one'));
      warn.mockRestore();
      // it did arrive together with others, and only it failed (a 500: Stripe will retry it)
      expect(splits.length).toBeGreaterThanOrEqual(1);
      expect(results.map((result) => result.status)).toEqual([...good.slice(0, middle).map(() => 200), 500, ...good.slice(middle).map(() => 200)]);
      for (const event of events) expect(await dataSource().manager.countBy(WebhookEvent, { eventId: event.id })).toBe(1);
      expect(await dataSource().manager.countBy(WebhookEvent, { eventId: 'evt_slipped' })).toBe(0);
      await allEventsProcessed(dataSource());
      for (const entry of placed) expect((await tenantOf(dataSource(), entry.orderId)).state).toBe('provisioning');
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses signatures dated in the future beyond the tolerance, accepts a little clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    const future = stripe().buildEvent('customer.created', { id: 'cus_future', object: 'customer' }, { timestamp: now + 600, record: false });
    const futureStatus = await postSigned(future.payload, now + 600);
    expect(futureStatus.status).toBe(400);
    expect(futureStatus.body.message).toMatch(/future/);
    const farFuture = await postSigned(future.payload, now + 10 * 365 * 86_400);
    expect(farFuture.status).toBe(400);
    expect(await dataSource().manager.countBy(WebhookEvent, { eventId: future.event.id })).toBe(0);

    const skewed = stripe().buildEvent('customer.created', { id: 'cus_skewed', object: 'customer' }, { record: false });
    expect((await postSigned(skewed.payload, now + 30)).status).toBe(200);
    expect(await dataSource().manager.countBy(WebhookEvent, { eventId: skewed.event.id })).toBe(1);
  });

  it("refuses JSON nested thousands of levels deep on the API with a 400, not a 500", async () => {
    const deep = `{"outcome":"paid","periodEnd":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const response = await http()
      .post('/api/v1/orders/00000000-0000-4000-8000-000000000000/payments')
      .set(operator.auth)
      .set('Content-Type', 'application/json')
      .send(deep)
      .expect(400);
    expect(response.body.message).toMatch(/nest/i);
    const login = await http().post('/api/v1/auth/login').set('Content-Type', 'application/json').send(`{"email":${'['.repeat(40_000)}${']'.repeat(40_000)}}`).expect(400);
    expect(login.body.message).toMatch(/nest/i);
    // ordinary JSON still works
    await http().post('/api/v1/orders/00000000-0000-4000-8000-000000000000/payments').set(operator.auth).send({ outcome: 'paid' }).expect(404);
  });
});
