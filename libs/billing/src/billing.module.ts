import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogModule } from '#catalog';
import { AuditModule } from '#domain';
import { IdentityModule } from '#identity';
import { JobsModule } from '#platform/jobs';
import { ProvisioningModule } from '#provisioning';
import { PAYMENT_PROVIDER } from './billing.providers.js';
import { BILLING_ENTITIES } from './entities/index.js';
import { BillingSweeper } from './maintenance/billing-sweeper.js';
import { UnpaidOrders } from './maintenance/unpaid-orders.js';
import { BillingController } from './orders/billing.controller.js';
import { OrderLetters } from './orders/order-letters.js';
import { OrdersService } from './orders/orders.service.js';
import { OrderQueries } from './orders/order-queries.js';
import { PaymentProvider } from './payments/payment-provider.port.js';
import { BillingPortalService } from './portal/billing-portal.service.js';
import { SubscriptionsService } from './subscriptions/subscriptions.service.js';
import { ClubBilling } from './subscriptions/club-billing.js';
import { StripeWebhookController } from './webhooks/stripe-webhook.controller.js';
import { WebhookDrainer } from './webhooks/webhook-drainer.js';
import { WebhookInbox } from './webhooks/webhook-inbox.service.js';
import { WebhookProcessor } from './webhooks/webhook-processor.service.js';

/** Payments, orders and subscriptions, without HTTP: what the API and the worker share. */
@Module({
  imports: [IdentityModule, CatalogModule, ProvisioningModule, AuditModule, JobsModule, TypeOrmModule.forFeature(BILLING_ENTITIES)],
  providers: [PAYMENT_PROVIDER, OrderLetters, OrdersService, SubscriptionsService, BillingPortalService, OrderQueries, ClubBilling],
  exports: [PaymentProvider, OrdersService, SubscriptionsService, BillingPortalService, OrderQueries, ClubBilling],
})
export class BillingCoreModule {}

/** The API side of billing: webhooks in (stored in the inbox), orders and payments for operators, the portal. */
@Module({
  imports: [BillingCoreModule, JobsModule],
  controllers: [StripeWebhookController, BillingController],
  providers: [WebhookInbox],
  exports: [BillingCoreModule],
})
export class BillingModule {}

/** The worker side of billing: drains the webhook inbox and runs the billing sweep (scheduler tasks). */
@Module({
  imports: [BillingCoreModule, ProvisioningModule, JobsModule],
  providers: [WebhookProcessor, WebhookDrainer, BillingSweeper, UnpaidOrders],
  exports: [WebhookProcessor, BillingSweeper, UnpaidOrders],
})
export class BillingWorkerModule {}
