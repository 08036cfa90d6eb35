import { Module } from '@nestjs/common';
import { AuditLog } from '#domain';
import { IdentityModule } from '#identity';
import { PORT_ADAPTERS } from './billing.providers.js';
import { BillingWorker } from './maintenance/billing-worker.js';
import { OrderCredentialsService } from './orders/order-credentials.service.js';
import { WebhookDrainer } from './webhooks/webhook-drainer.js';
import { BillingSweeper } from './maintenance/billing-sweeper.js';
import { InvitationPagesController } from './members/invitation-pages.controller.js';
import { InvitationsController } from './members/invitations.controller.js';
import { InvitationsService } from './members/invitations.service.js';
import { BillingController } from './orders/billing.controller.js';
import { OrderPagesController } from './orders/order-pages.controller.js';
import { OrdersService } from './orders/orders.service.js';
import { BillingPortalService } from './portal/billing-portal.service.js';
import { SubscriptionsService } from './subscriptions/subscriptions.service.js';
import { StripeWebhookController } from './webhooks/stripe-webhook.controller.js';
import { WebhookInbox } from './webhooks/webhook-inbox.service.js';
import { WebhookProcessor } from './webhooks/webhook-processor.service.js';

/** The API side of billing: the order form, webhooks in, the portal, invitations, operator payments. */
@Module({
  imports: [IdentityModule],
  controllers: [OrderPagesController, StripeWebhookController, BillingController, InvitationsController, InvitationPagesController],
  providers: [...PORT_ADAPTERS, AuditLog, OrdersService, SubscriptionsService, WebhookInbox, BillingPortalService, InvitationsService, OrderCredentialsService],
})
export class BillingModule {}

/** The worker side of billing: processes stored webhook events and runs the minutely sweep. */
@Module({
  providers: [...PORT_ADAPTERS, AuditLog, SubscriptionsService, WebhookProcessor, WebhookDrainer, BillingSweeper, BillingWorker],
  exports: [WebhookProcessor, BillingSweeper],
})
export class BillingWorkerModule {}
