import type Stripe from 'stripe';
import { apiVersionWarning, factsFromStripeEvent, periodEnd, subscriptionOfInvoice } from './stripe-event-facts.js';

const ORDER = '0b6a3a52-3f0c-4d8e-9b8a-2f5d7c1e9a10';
const event = (type: string, object: object, created = 1_800_000_000) => ({ id: 'evt_1', object: 'event', type, created, data: { object } }) as unknown as Stripe.Event;
const at = new Date(1_800_000_000_000);

describe('factsFromStripeEvent', () => {
  it('reads checkout.session.completed as a paid, active subscription of the order', () => {
    const facts = factsFromStripeEvent(
      event('checkout.session.completed', { mode: 'subscription', subscription: 'sub_1', customer: 'cus_1', payment_status: 'paid', metadata: { orderId: ORDER }, client_reference_id: ORDER }),
    );
    expect(facts).toEqual([
      { kind: 'subscription', provider: 'stripe', orderId: ORDER, subscriptionId: 'sub_1', customerId: 'cus_1', status: 'active', currentPeriodEnd: null, cancelAtPeriodEnd: null, at, source: 'stripe:checkout.session.completed' },
    ]);
  });

  it('waits for the money when a completed checkout is still unpaid (delayed payment methods)', () => {
    const [fact] = factsFromStripeEvent(event('checkout.session.completed', { mode: 'subscription', subscription: { id: 'sub_1' }, customer: null, payment_status: 'unpaid', metadata: {}, client_reference_id: ORDER }));
    expect(fact).toMatchObject({ status: 'incomplete', orderId: ORDER, subscriptionId: 'sub_1' });
  });

  it('ignores checkouts that are not subscriptions', () => {
    expect(factsFromStripeEvent(event('checkout.session.completed', { mode: 'payment', subscription: null, metadata: {} }))).toEqual([]);
  });

  it('reads an expired checkout', () => {
    expect(factsFromStripeEvent(event('checkout.session.expired', { metadata: { orderId: ORDER } }))).toEqual([
      { kind: 'checkout_expired', provider: 'stripe', orderId: ORDER, at, source: 'stripe:checkout.session.expired' },
    ]);
  });

  it('reads subscription objects with their period from the items, and deleted as canceled', () => {
    const subscription = { id: 'sub_1', customer: 'cus_1', status: 'past_due', cancel_at_period_end: true, metadata: { orderId: ORDER }, items: { data: [{ current_period_end: 1_802_000_000 }] } };
    expect(factsFromStripeEvent(event('customer.subscription.updated', subscription))[0]).toMatchObject({
      status: 'past_due',
      orderId: ORDER,
      currentPeriodEnd: new Date(1_802_000_000_000),
      cancelAtPeriodEnd: true,
    });
    expect(factsFromStripeEvent(event('customer.subscription.deleted', { ...subscription, status: 'active' }))[0]).toMatchObject({ status: 'canceled' });
    expect(factsFromStripeEvent(event('customer.subscription.updated', { ...subscription, status: 'something_new' }))[0]).toMatchObject({ status: 'incomplete' });
  });

  it('reads invoices through their parent subscription', () => {
    const invoice = { customer: 'cus_1', billing_reason: 'subscription_cycle', parent: { subscription_details: { subscription: 'sub_1', metadata: { orderId: ORDER } } } };
    expect(factsFromStripeEvent(event('invoice.paid', invoice))[0]).toMatchObject({ status: 'active', subscriptionId: 'sub_1', orderId: ORDER });
    expect(factsFromStripeEvent(event('invoice.payment_failed', invoice))[0]).toMatchObject({ status: 'past_due' });
    expect(factsFromStripeEvent(event('invoice.payment_failed', { ...invoice, billing_reason: 'subscription_create' }))[0]).toMatchObject({ status: 'incomplete' });
    expect(factsFromStripeEvent(event('invoice.paid', { customer: 'cus_1', parent: null }))).toEqual([]);
  });

  it('reads invoices rendered before API 2025-03-31 (invoice.subscription and subscription_details, no parent)', () => {
    const legacy = { customer: 'cus_1', billing_reason: 'subscription_cycle', subscription: 'sub_1', subscription_details: { metadata: { orderId: ORDER } } };
    expect(factsFromStripeEvent(event('invoice.paid', legacy))[0]).toMatchObject({ status: 'active', subscriptionId: 'sub_1', orderId: ORDER });
    expect(factsFromStripeEvent(event('invoice.payment_failed', legacy))[0]).toMatchObject({ status: 'past_due', subscriptionId: 'sub_1' });
    // expanded, and from before June 2023 (no subscription_details): the stored subscription leads to the order
    expect(factsFromStripeEvent(event('invoice.paid', { customer: 'cus_1', subscription: { id: 'sub_2' } }))[0]).toMatchObject({ subscriptionId: 'sub_2', orderId: null });
    expect(factsFromStripeEvent(event('invoice.paid', { customer: 'cus_1', subscription: null }))).toEqual([]);
  });

  it('prefers the current shape when an invoice has both', () => {
    const both = { parent: { subscription_details: { subscription: 'sub_new', metadata: null } }, subscription: 'sub_old' } as unknown as Stripe.Invoice;
    expect(subscriptionOfInvoice(both)).toEqual({ subscriptionId: 'sub_new', metadata: null });
  });

  it('reads a scheduled cancellation (cancel_at), and its absence, from subscription events', () => {
    const subscription = { id: 'sub_1', customer: 'cus_1', status: 'active', cancel_at_period_end: false, cancel_at: 1_802_000_000, metadata: { orderId: ORDER }, items: { data: [] } };
    expect(factsFromStripeEvent(event('customer.subscription.updated', subscription))[0]).toMatchObject({ cancelAt: new Date(1_802_000_000_000), cancelAtPeriodEnd: false });
    expect(factsFromStripeEvent(event('customer.subscription.updated', { ...subscription, cancel_at: null }))[0]).toMatchObject({ cancelAt: null });
    // invoice events do not say: the stored date stays
    const invoice = { customer: 'cus_1', parent: { subscription_details: { subscription: 'sub_1', metadata: { orderId: ORDER } } } };
    expect(factsFromStripeEvent(event('invoice.paid', invoice))[0]).not.toHaveProperty('cancelAt');
  });

  it('reads paused and resumed subscriptions', () => {
    const subscription = { id: 'sub_1', customer: 'cus_1', status: 'paused', cancel_at_period_end: false, cancel_at: null, metadata: { orderId: ORDER }, items: { data: [] } };
    expect(factsFromStripeEvent(event('customer.subscription.paused', subscription))[0]).toMatchObject({ status: 'paused', source: 'stripe:customer.subscription.paused' });
    expect(factsFromStripeEvent(event('customer.subscription.resumed', { ...subscription, status: 'active' }))[0]).toMatchObject({ status: 'active' });
  });

  it('warns when an event speaks another API version than the SDK, saying what to configure', () => {
    expect(apiVersionWarning('2026-10-28.endive', '2026-10-28.endive')).toBeNull();
    const warning = apiVersionWarning('2024-06-20', '2026-10-28.endive')!;
    expect(warning).toContain('2024-06-20');
    expect(warning).toContain("set the webhook endpoint's API version to 2026-10-28.endive");
    expect(warning).toContain('stripe listen --latest');
    expect(apiVersionWarning(null, '2026-10-28.endive')).toContain('(none)');
  });

  it('ignores events it does not act on', () => {
    expect(factsFromStripeEvent(event('customer.created', { id: 'cus_1' }))).toEqual([]);
  });

  it('falls back to the legacy period field', () => {
    expect(periodEnd({ current_period_end: 1_802_000_000, items: { data: [] } } as unknown as Stripe.Subscription)).toEqual(new Date(1_802_000_000_000));
    expect(periodEnd({ items: { data: [] } } as unknown as Stripe.Subscription)).toBeNull();
  });
});
