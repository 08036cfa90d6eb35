import { isPhaseLive, orderPhase } from './order-phase.js';

describe('orderPhase', () => {
  const stripe = { state: 'pending_payment', paymentProvider: 'stripe' } as const;
  const manual = { state: 'pending_payment', paymentProvider: 'manual' } as const;

  it.each([
    [stripe, 'awaiting_payment', undefined, 'awaiting_payment'],
    [stripe, 'awaiting_payment', 'success', 'confirming'],
    [stripe, 'awaiting_payment', 'canceled', 'checkout_canceled'],
    [{ ...stripe, state: 'paid' }, 'awaiting_payment', undefined, 'confirming'],
    [manual, 'awaiting_payment', undefined, 'bank_transfer'],
    [stripe, 'provisioning', 'success', 'provisioning'],
    [stripe, 'active', undefined, 'active'],
    [stripe, 'past_due', undefined, 'past_due'],
    [{ ...stripe, state: 'expired' }, 'terminated', undefined, 'expired'],
    [stripe, 'terminated', undefined, 'terminated'],
  ] as const)('%o with tenant %s (checkout=%s) is %s', (order, tenant, checkout, phase) => {
    expect(orderPhase(order, tenant, checkout)).toBe(phase);
  });

  it('keeps polling only while something is about to happen', () => {
    expect(isPhaseLive('provisioning')).toBe(true);
    expect(isPhaseLive('confirming')).toBe(true);
    expect(isPhaseLive('active')).toBe(false);
    expect(isPhaseLive('bank_transfer')).toBe(true); // the page notices the cooperative marking the transfer paid
  });
});
