import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { MembershipRole } from '../entities/index.js';
import { ForbiddenError, problem, UnauthenticatedError, ValidationFailedError } from '#platform';
import { TokensService } from '../tokens/tokens.service.js';
import { assertOrganizationAccess } from './access-policy.js';
import { OPERATOR_ONLY, ORGANIZATION_ROLES, PUBLIC_ROUTE, REQUIRED_SCOPES } from './decorators.js';
import { actsAsOperator, hasScope, Principal } from './principal.js';
import type { Scope } from './scopes.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Global: every route needs a valid bearer token unless marked @Public(). The token is read from
 * the Authorization header only: never from a query string or body, where it would end up in logs,
 * browser history and Referer headers.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (isPublic(this.reflector, context)) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown>; user?: Principal }>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const principal = match ? await this.tokens.authenticate(match[1]) : null;
    if (!principal) throw new UnauthenticatedError('A valid bearer token is required (Authorization: Bearer alm_...)');
    request.user = principal;
    return true;
  }
}

/** For the login route: email + password through passport-local. */
@Injectable()
export class PasswordLoginGuard extends AuthGuard('local') {
  override handleRequest<T>(error: unknown, account: T, info: { message?: string } | undefined): T {
    if (error) throw error;
    if (!account) {
      if (info?.message === 'Missing credentials') {
        throw new ValidationFailedError({ email: problem('input.required'), password: problem('input.required') });
      }
      throw new UnauthenticatedError('Email or password is wrong');
    }
    return account;
  }
}

/** Global, after authentication: operator-only routes, token scopes and organization roles. */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (isPublic(this.reflector, context)) return true;
    const request = context.switchToHttp().getRequest<{ user: Principal; params: Record<string, string> }>();
    const principal = request.user;
    const targets = [context.getHandler(), context.getClass()];

    if (this.reflector.getAllAndOverride<boolean>(OPERATOR_ONLY, targets) && !actsAsOperator(principal)) {
      throw new ForbiddenError('This is for operators of the hosting cooperative');
    }
    const scopes = this.reflector.getAllAndOverride<Scope[]>(REQUIRED_SCOPES, targets) ?? [];
    const missing = scopes.filter((scope) => !hasScope(principal, scope));
    if (missing.length) throw new ForbiddenError(`This token lacks the scope(s): ${missing.join(', ')}`);

    const roles = this.reflector.getAllAndOverride<MembershipRole[]>(ORGANIZATION_ROLES, targets);
    if (roles) {
      const organizationId = request.params.orgId;
      if (!organizationId || !UUID.test(organizationId)) throw ValidationFailedError.field('orgId', problem('input.uuid'));
      assertOrganizationAccess(principal, organizationId, roles);
    }
    return true;
  }
}

function isPublic(reflector: Reflector, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]) ?? false;
}
