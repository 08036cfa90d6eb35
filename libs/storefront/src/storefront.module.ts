import { Module } from '@nestjs/common';
import { BillingModule } from '#billing';
import { CatalogModule } from '#catalog';
import { IdentityModule } from '#identity';
import { JobsModule } from '#platform/jobs';
import { LimitsModule } from '#platform/limits';
import { ProvisioningModule } from '#provisioning';
import { EmailPagesController } from './accounts/email-pages.controller.js';
import { InvitationPagesController } from './invitations/invitation-pages.controller.js';
import { LetterDispatcher } from './letters/letter-dispatcher.js';
import { AddressPagesController } from './orders/address-pages.controller.js';
import { OrderPagesController } from './orders/order-pages.controller.js';
import { StatusPages } from './orders/status-pages.js';
import { AssetsController } from './web/assets.controller.js';

/** The pages people see (order form, order status, invitations), their assets and texts, and the letters. */
@Module({
  imports: [IdentityModule, CatalogModule, ProvisioningModule, BillingModule, JobsModule, LimitsModule],
  controllers: [OrderPagesController, AddressPagesController, InvitationPagesController, EmailPagesController, AssetsController],
  providers: [LetterDispatcher, StatusPages],
})
export class StorefrontModule {}

/** In the worker: the letters go out from there too. */
@Module({
  imports: [IdentityModule, JobsModule],
  providers: [LetterDispatcher],
})
export class StorefrontWorkerModule {}
