export * from './billing.module.js';
export * from './mail/mailer.port.js';
export * from './payments/payment-facts.js';
export * from './payments/payment-provider.port.js';
export * from './payments/billing-errors.js';
export * from './maintenance/billing-sweeper.js';
export * from './subscriptions/subscriptions.service.js';
export * from './webhooks/webhook-processor.service.js';
