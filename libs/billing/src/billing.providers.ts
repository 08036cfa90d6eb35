import type { Provider } from '@nestjs/common';
import { AppConfig } from '#platform';
import { ManualPaymentProvider } from './payments/manual/manual-payment-provider.js';
import { PaymentProvider } from './payments/payment-provider.port.js';
import { StripePaymentProvider } from './payments/stripe/stripe-payment-provider.js';

/** The adapter behind billing's payment port, chosen by configuration. */
export const PAYMENT_PROVIDER: Provider = {
  provide: PaymentProvider,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => (config.billing.provider === 'stripe' ? new StripePaymentProvider(config) : new ManualPaymentProvider()),
};
