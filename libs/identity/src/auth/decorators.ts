import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { MembershipRole } from '../entities/index.js';
import type { Principal } from './principal.js';
import type { Scope } from './scopes.js';

export const PUBLIC_ROUTE = 'allmende:public';
export const REQUIRED_SCOPES = 'allmende:scopes';
export const OPERATOR_ONLY = 'allmende:operator';
export const ORGANIZATION_ROLES = 'allmende:organization-roles';

/** No token needed (login, health, the order form, webhooks). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The token must carry these scopes. */
export const RequireScopes = (...scopes: Scope[]) => SetMetadata(REQUIRED_SCOPES, scopes);

/** Only operators (operator account + token with the operator scope). */
export const OperatorOnly = () => SetMetadata(OPERATOR_ONLY, true);

/**
 * The route has an `:orgId` parameter; the caller must hold one of these roles in that
 * organization (operators pass). Someone outside the organization gets 404, as if it did not exist.
 */
export const OrganizationRoles = (...roles: MembershipRole[]) => SetMetadata(ORGANIZATION_ROLES, roles);

export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<{ user: Principal }>().user;
});
