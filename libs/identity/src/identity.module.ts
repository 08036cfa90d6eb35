import { Module, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '#domain';
import { AppConfig, SecretBox } from '#platform';
import { JobsModule } from '#platform/jobs';
import { LimitsModule } from '#platform/limits';
import { AccountTokens } from './accounts/account-tokens.service.js';
import { AccountsService } from './accounts/accounts.service.js';
import { AccessCheck } from './auth/access-check.service.js';
import { AuthController } from './accounts/auth.controller.js';
import { AuthorizationGuard, BearerAuthGuard } from './auth/guards.js';
import { LocalStrategy } from './auth/local.strategy.js';
import { PasswordAttempts } from './auth/password-attempts.js';
import { IDENTITY_ENTITIES } from './entities/index.js';
import { InvitationsController } from './invitations/invitations.controller.js';
import { InvitationsService } from './invitations/invitations.service.js';
import { MailLetter } from './mail/mail-letter.entity.js';
import { MailOutbox } from './mail/mail-outbox.js';
import { Mailer } from './mail/mailer.port.js';
import { OutboxMailer } from './mail/outbox-mailer.js';
import { SmtpMailer } from './mail/smtp-mailer.js';
import { MembershipsService } from './organizations/memberships.service.js';
import { OrganizationsController } from './organizations/organizations.controller.js';
import { OrganizationsService } from './organizations/organizations.service.js';
import { TokensController } from './tokens/tokens.controller.js';
import { TokensService } from './tokens/tokens.service.js';

/** The mail transport, chosen by configuration: SMTP when SMTP_URL is set, else .eml files in the outbox folder. */
const MAILER: Provider = {
  provide: Mailer,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => (config.mail.smtpUrl ? new SmtpMailer(config) : new OutboxMailer(config)),
};

/**
 * Who people are and where they belong: accounts, organizations, memberships, invitations,
 * tokens and the global guards every route passes; and the mail outbox and transport.
 */
@Module({
  imports: [PassportModule, AuditModule, JobsModule, LimitsModule, TypeOrmModule.forFeature([...IDENTITY_ENTITIES, MailLetter])],
  controllers: [AuthController, TokensController, OrganizationsController, InvitationsController],
  providers: [
    AccountsService,
    AccountTokens,
    AccessCheck,
    TokensService,
    OrganizationsService,
    MembershipsService,
    InvitationsService,
    MailOutbox,
    MAILER,
    SecretBox,
    LocalStrategy,
    PasswordAttempts,
    { provide: APP_GUARD, useClass: BearerAuthGuard },
    { provide: APP_GUARD, useClass: AuthorizationGuard },
  ],
  exports: [AccountsService, AccessCheck, TokensService, OrganizationsService, MembershipsService, InvitationsService, MailOutbox, Mailer],
})
export class IdentityModule {}
