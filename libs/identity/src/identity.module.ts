import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account, ApiToken, AuditEvent, AuditLog, Membership, Organization } from '#domain';
import { AccountsService } from './accounts/accounts.service.js';
import { AuthController } from './accounts/auth.controller.js';
import { BearerStrategy } from './auth/bearer.strategy.js';
import { AuthorizationGuard, BearerAuthGuard } from './auth/guards.js';
import { LocalStrategy } from './auth/local.strategy.js';
import { PasswordAttemptsGuard } from './auth/password-attempts.js';
import { OrganizationsController } from './organizations/organizations.controller.js';
import { OrganizationsService } from './organizations/organizations.service.js';
import { TokensController } from './tokens/tokens.controller.js';
import { TokensService } from './tokens/tokens.service.js';

/** Accounts, organizations, memberships, tokens; and the global guards every route passes. */
@Module({
  imports: [PassportModule, TypeOrmModule.forFeature([Account, ApiToken, AuditEvent, Membership, Organization])],
  controllers: [AuthController, TokensController, OrganizationsController],
  providers: [
    AccountsService,
    TokensService,
    OrganizationsService,
    AuditLog,
    BearerStrategy,
    LocalStrategy,
    PasswordAttemptsGuard,
    { provide: APP_GUARD, useClass: BearerAuthGuard },
    { provide: APP_GUARD, useClass: AuthorizationGuard },
  ],
  exports: [AccountsService, TokensService, OrganizationsService, PasswordAttemptsGuard],
})
export class IdentityModule {}
