import type { Provider } from '@nestjs/common';
import { AppConfig } from '#platform';
import { Mailer } from './mail/mailer.port.js';
import { OutboxMailer } from './mail/outbox-mailer.js';
import { SmtpMailer } from './mail/smtp-mailer.js';
import { ManualPaymentProvider } from './payments/manual/manual-payment-provider.js';
import { PaymentProvider } from './payments/payment-provider.port.js';
import { StripePaymentProvider } from './payments/stripe/stripe-payment-provider.js';

/** The adapters behind billing's ports, chosen by configuration. */
export const PORT_ADAPTERS: Provider[] = [
  {
    provide: PaymentProvider,
    inject: [AppConfig],
    useFactory: (config: AppConfig) => (config.billing.provider === 'stripe' ? new StripePaymentProvider(config) : new ManualPaymentProvider()),
  },
  {
    provide: Mailer,
    inject: [AppConfig],
    useFactory: (config: AppConfig) => (config.mail.smtpUrl ? new SmtpMailer(config) : new OutboxMailer(config)),
  },
];
