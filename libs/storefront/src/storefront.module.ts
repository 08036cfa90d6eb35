import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { BillingModule } from '#billing';
import { CatalogModule } from '#catalog';
import { IdentityModule } from '#identity';
import { JobsModule } from '#platform/jobs';
import { LimitsModule } from '#platform/limits';
import { ProvisioningModule } from '#provisioning';
import { AccountPagesController } from './accounts/account-pages.controller.js';
import { ConsolePagesController } from './console/console-pages.controller.js';
import { ClubDashboards } from './dashboard/club-dashboard.js';
import { ClubEvents } from './dashboard/club-events.js';
import { ClubPagesController } from './dashboard/club-pages.controller.js';
import { EmailPagesController } from './accounts/email-pages.controller.js';
import { InvitationPagesController } from './invitations/invitation-pages.controller.js';
import { LetterDispatcher } from './letters/letter-dispatcher.js';
import { AddressPagesController } from './orders/address-pages.controller.js';
import { LegalPagesController } from './orders/legal-pages.controller.js';
import { OrderPagesController } from './orders/order-pages.controller.js';
import { StatusPages } from './orders/status-pages.js';
import { AssetsController } from './web/assets.controller.js';
import { PageContextMiddleware } from './web/page-context.js';
import { PageErrorsFilter, PageGuard } from './web/page.js';
import { WebSessions } from './web/web-sessions.js';

/** The pages people see (order form, order status, invitations), their assets and texts, and the letters. */
@Module({
  imports: [IdentityModule, CatalogModule, ProvisioningModule, BillingModule, JobsModule, LimitsModule],
  controllers: [AccountPagesController, OrderPagesController, LegalPagesController, AddressPagesController, InvitationPagesController, EmailPagesController, AssetsController, ClubPagesController, ConsolePagesController],
  providers: [LetterDispatcher, StatusPages, WebSessions, PageGuard, PageErrorsFilter, ClubDashboards, ClubEvents],
})
export class StorefrontModule implements NestModule {
  /** Every request runs in a page context (language, session, form token); API routes simply do not use it. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(PageContextMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}

/** In the worker: the letters go out from there too. */
@Module({
  imports: [IdentityModule, JobsModule],
  providers: [LetterDispatcher],
})
export class StorefrontWorkerModule {}
