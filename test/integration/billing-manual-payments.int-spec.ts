import { ManualPaymentRequest, Subscription } from '#billing';
import { TenantLifecycleService } from '#provisioning';
import { createOperator, type Session } from '#test/support/fixtures.js';
import { auditActions, type BillingStack, operationsOf, orderForm, startBillingStack, tenantOf } from './billing-harness.js';

const DAY = 86_400_000;

/**
 * Recording bank transfers is idempotent: a payment names the period it pays (or is the one
 * that is due), an Idempotency-Key makes a repeat return the same answer, and concurrent
 * repeats against the real API move the period once.
 */
describe('recording bank-transfer payments idempotently', () => {
  let stack: BillingStack;
  let operator: Session;

  beforeAll(async () => {
    stack = await startBillingStack({ worker: false });
    operator = await createOperator(stack.api);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const http = () => stack.api.http();
  const dataSource = () => stack.api.dataSource;

  async function placeOrder(): Promise<string> {
    const response = await http().post('/order').type('form').send(orderForm()).expect(303);
    return response.headers.location.split('/').pop()!;
  }

  const record = (orderId: string, body: object, key?: string) => {
    const request = http().post(`/api/v1/orders/${orderId}/payments`).set(operator.auth);
    return (key === undefined ? request : request.set('Idempotency-Key', key)).send(body);
  };
  const subscriptionOf = (orderId: string) => dataSource().manager.findOneByOrFail(Subscription, { orderId });
  const all = <T>(count: number, make: () => Promise<T>) => Promise.all(Array.from({ length: count }, make));

  it('moves the period once when five "paid" arrive at the same time', async () => {
    const orderId = await placeOrder();
    const started = Date.now();
    const responses = await all(5, () => record(orderId, { outcome: 'paid' }));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    // every caller gets the same answer: the subscription as the one payment left it
    const bodies = responses.map((response) => response.body);
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    const subscription = await subscriptionOf(orderId);
    expect(bodies[0].subscription).toMatchObject({ status: 'active', currentPeriodEnd: subscription.currentPeriodEnd!.toISOString() });
    const months = (subscription.currentPeriodEnd!.getTime() - started) / DAY;
    expect(months).toBeGreaterThan(27);
    expect(months).toBeLessThan(32);
    expect(await auditActions(dataSource(), subscription.id)).toEqual(['subscription.active']);
    const tenant = await tenantOf(dataSource(), orderId);
    expect((await operationsOf(dataSource(), tenant.id)).map((operation) => operation.kind)).toEqual(['provision']);

    // a later plain "paid" while the period runs is a repeat too: nothing is due
    const again = await record(orderId, { outcome: 'paid' }).expect(200);
    expect(again.body).toEqual(bodies[0]);
    expect((await subscriptionOf(orderId)).currentPeriodEnd).toEqual(subscription.currentPeriodEnd);
  });

  it('records a payment for a named period once, however often and concurrently it is sent; paying ahead names the next one', async () => {
    const orderId = await placeOrder();
    const first = new Date(Date.now() + 20 * DAY).toISOString();
    const firstAnswers = await all(5, () => record(orderId, { outcome: 'paid', periodEnd: first }));
    expect(firstAnswers.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    for (const answer of firstAnswers) expect(answer.body).toEqual(firstAnswers[0].body);
    expect((await subscriptionOf(orderId)).currentPeriodEnd!.toISOString()).toBe(first);

    const next = new Date(Date.now() + 50 * DAY).toISOString();
    const nextAnswers = await all(5, () => record(orderId, { outcome: 'paid', periodEnd: next }));
    expect(nextAnswers.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await subscriptionOf(orderId)).currentPeriodEnd!.toISOString()).toBe(next);
    // an older period repeated late changes nothing (the period never moves back)
    await record(orderId, { outcome: 'paid', periodEnd: first }).expect(200);
    expect((await subscriptionOf(orderId)).currentPeriodEnd!.toISOString()).toBe(next);
    expect(await auditActions(dataSource(), (await subscriptionOf(orderId)).id)).toEqual(['subscription.active']);
  });

  it('replays the answer for a repeated Idempotency-Key, even after the state moved on, and changes nothing', async () => {
    const orderId = await placeOrder();
    const answers = await all(5, () => record(orderId, { outcome: 'paid' }, 'transfer-2026-11-0042'));
    expect(answers.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    for (const answer of answers) expect(answer.body).toEqual(answers[0].body);
    expect(answers.filter((answer) => answer.headers['idempotent-replayed'] === 'true')).toHaveLength(4);
    expect(await dataSource().manager.countBy(ManualPaymentRequest, { orderId })).toBe(1);

    const tenant = await tenantOf(dataSource(), orderId);
    await stack.api.app.get(TenantLifecycleService).transition(tenant.id, 'provisioned', { type: 'system', id: 'test' });
    await record(orderId, { outcome: 'overdue' }, 'dunning-2026-12').expect(200);
    expect((await subscriptionOf(orderId)).status).toBe('past_due');

    // the first request retried late (a lost answer): the same answer, and the club stays past due
    const late = await record(orderId, { outcome: 'paid' }, 'transfer-2026-11-0042').expect(200);
    expect(late.headers['idempotent-replayed']).toBe('true');
    expect(late.body).toEqual(answers[0].body);
    expect((await subscriptionOf(orderId)).status).toBe('past_due');
    expect((await tenantOf(dataSource(), orderId)).state).toBe('past_due');
  });

  it('refuses an Idempotency-Key reused for another request, and a malformed key, naming it', async () => {
    const orderId = await placeOrder();
    await record(orderId, { outcome: 'paid' }, 'key-1').expect(200);
    const reused = await record(orderId, { outcome: 'paid', periodEnd: new Date(Date.now() + 90 * DAY).toISOString() }, 'key-1').expect(409);
    expect(reused.body.error).toBe('billing.idempotency_key_reused');
    expect(reused.body.message).toContain('This Idempotency-Key was already used on this order for another request (outcome paid)');
    const malformed = await record(orderId, { outcome: 'paid' }, 'x'.repeat(256)).expect(400);
    expect(malformed.body.fields).toEqual({ 'Idempotency-Key': 'must be 1 to 255 visible ASCII characters' });
  });

  it('refuses a named period that has already ended, naming the field', async () => {
    const orderId = await placeOrder();
    const response = await record(orderId, { outcome: 'paid', periodEnd: new Date(Date.now() - DAY).toISOString() }).expect(400);
    expect(response.body.fields).toEqual({ periodEnd: 'must be in the future (the end of the period this transfer pays)' });
    expect(await dataSource().manager.countBy(Subscription, { orderId })).toBe(0);
  });

  it('repeats of "overdue" and of "cancel" change nothing more', async () => {
    const orderId = await placeOrder();
    await record(orderId, { outcome: 'paid' }).expect(200);
    const tenant = await tenantOf(dataSource(), orderId);
    await stack.api.app.get(TenantLifecycleService).transition(tenant.id, 'provisioned', { type: 'system', id: 'test' });
    const overdue = await all(3, () => record(orderId, { outcome: 'overdue' }));
    expect(overdue.map((response) => response.status)).toEqual([200, 200, 200]);
    const subscription = await subscriptionOf(orderId);
    expect(await auditActions(dataSource(), subscription.id)).toEqual(['subscription.active', 'subscription.past_due']);
    const grace = (await tenantOf(dataSource(), orderId)).graceEndsAt;
    await record(orderId, { outcome: 'overdue' }).expect(200);
    expect((await tenantOf(dataSource(), orderId)).graceEndsAt).toEqual(grace);

    const cancels = await all(3, () => http().post(`/api/v1/orders/${orderId}/cancel`).set(operator.auth).set('Idempotency-Key', 'end-of-membership'));
    expect(cancels.map((response) => response.status)).toEqual([200, 200, 200]);
    for (const answer of cancels) expect(answer.body).toEqual(cancels[0].body);
    expect(await auditActions(dataSource(), subscription.id)).toEqual(['subscription.active', 'subscription.past_due', 'subscription.canceled']);
  });
});
