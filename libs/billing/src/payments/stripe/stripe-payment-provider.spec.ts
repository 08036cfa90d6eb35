import Stripe from 'stripe';
import { isPortalNotConfigured } from './stripe-payment-provider.js';

describe('isPortalNotConfigured', () => {
  it("recognises Stripe's answer for an account without saved customer portal settings", () => {
    const message = 'You can’t create a portal session in test mode until you save your customer portal settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal.';
    expect(isPortalNotConfigured(new Stripe.errors.StripeInvalidRequestError({ message, type: 'invalid_request_error' }))).toBe(true);
  });

  it('leaves other errors alone', () => {
    expect(isPortalNotConfigured(new Stripe.errors.StripeInvalidRequestError({ message: "No such customer: 'cus_1'", type: 'invalid_request_error' }))).toBe(false);
    expect(isPortalNotConfigured(new Stripe.errors.StripeConnectionError({ message: 'portal settings unreachable', type: 'api_error' }))).toBe(false);
    expect(isPortalNotConfigured(new Error('customer portal settings'))).toBe(false);
  });
});
