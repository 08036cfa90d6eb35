import type Stripe from 'stripe';
import { buildCustomer, buildInvoice, buildPrice, buildSubscription, buildSubscriptionItem, isBeforeBasil, renderForVersion } from './objects.js';

const NOW = 1_800_000_000;

function invoiceAndSubscription() {
  const price = buildPrice(NOW, { product: 'prod_1', currency: 'eur', unitAmount: 900, recurring: { interval: 'month', interval_count: 1 } });
  const item = buildSubscriptionItem(NOW, { subscriptionId: 'sub_1', price, quantity: 1, periodStart: NOW, periodEnd: NOW + 2_592_000 });
  const subscription = buildSubscription(NOW, { id: 'sub_1', customer: 'cus_1', currency: 'eur', items: [item], metadata: { orderId: 'o-1' }, description: null, periodStart: NOW, periodEnd: NOW + 2_592_000, legacyPeriodFields: false });
  const customer = buildCustomer(NOW, { email: 'a@example.org' });
  const invoice = buildInvoice(NOW, { customer, subscription, billingReason: 'subscription_cycle', periodStart: NOW, periodEnd: NOW + 2_592_000, number: 'X-0001', hostedUrl: 'http://127.0.0.1/i/:id', productName: () => 'Club' });
  return { invoice, subscription };
}

describe('renderForVersion', () => {
  it('knows which versions come before 2025-03-31.basil', () => {
    expect(isBeforeBasil('2024-06-20')).toBe(true);
    expect(isBeforeBasil('2025-02-24.acacia')).toBe(true);
    expect(isBeforeBasil('2025-03-31.basil')).toBe(false);
    expect(isBeforeBasil('2026-10-28.endive')).toBe(false);
  });

  it('leaves objects as they are in current versions', () => {
    const { invoice, subscription } = invoiceAndSubscription();
    expect(renderForVersion(invoice, '2025-03-31.basil')).toBe(invoice);
    expect(renderForVersion(subscription, '2026-10-28.endive')).toBe(subscription);
  });

  it('renders an invoice the way older versions did: subscription at the top, no parent', () => {
    const { invoice } = invoiceAndSubscription();
    const legacy = renderForVersion(invoice, '2024-06-20') as unknown as Record<string, unknown> & { lines: { data: Record<string, unknown>[] } };
    expect(legacy.parent).toBeUndefined();
    expect(legacy).toMatchObject({ id: invoice.id, subscription: 'sub_1', subscription_details: { metadata: { orderId: 'o-1' } }, paid: false });
    expect(legacy.lines.data[0]).toMatchObject({ type: 'subscription', subscription: 'sub_1', proration: false });
    expect(legacy.lines.data[0].parent).toBeUndefined();
    // the stored object is untouched
    expect(invoice.parent.subscription_details.subscription).toBe('sub_1');
  });

  it('puts the period back on the subscription for older versions', () => {
    const { subscription } = invoiceAndSubscription();
    const legacy = renderForVersion(subscription, '2024-06-20') as unknown as Stripe.Subscription & { current_period_end: number };
    expect(legacy.current_period_end).toBe(NOW + 2_592_000);
    expect(legacy.items.data[0].current_period_end).toBe(NOW + 2_592_000);
  });
});
