// Billing: orders, payment providers (Stripe, bank transfer), the webhook inbox, subscriptions,
// the billing sweep and the customer portal.
export * from './entities/index.js';
export * from './billing.module.js';
export * from './maintenance/billing-sweeper.js';
export * from './maintenance/unpaid-orders.js';
export * from './orders/order-letters.js';
export * from './orders/orders.service.js';
export * from './orders/order-queries.js';
export * from './orders/payment-reference.js';
export * from './payments/billing-errors.js';
export * from './payments/payment-facts.js';
export * from './payments/payment-provider.port.js';
export * from './portal/billing-portal.service.js';
export * from './subscriptions/subscriptions.service.js';
export * from './subscriptions/club-billing.js';
export * from './webhooks/webhook-processor.service.js';
export * from './orders/order-request.js';
export * from './problems.js';
export * from './metrics/billing-metrics.js';
