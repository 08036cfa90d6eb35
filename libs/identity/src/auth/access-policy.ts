import { ForbiddenError, NotFoundError } from '#platform';
import type { MembershipRole } from '../entities/index.js';
import { actsAsOperator, Principal } from './principal.js';

export const ALL_ROLES: readonly MembershipRole[] = ['owner', 'billing', 'member'];

/**
 * The one rule for organization data: operators see everything; everyone else only
 * organizations they belong to, with the role the action needs. Outsiders learn nothing
 * (404), members without the role are told so (403).
 */
export function assertOrganizationAccess(
  principal: Principal,
  organizationId: string,
  roles: readonly MembershipRole[] = ALL_ROLES,
  what = 'Organization',
): void {
  if (actsAsOperator(principal)) return;
  const role = principal.memberships.get(organizationId);
  if (!role) throw new NotFoundError(what);
  if (!roles.includes(role)) {
    throw new ForbiddenError(`This needs the ${roles.join(' or ')} role in the organization; you are ${role}`);
  }
}

/** Organization ids the principal may list, or 'all' for operators. */
export function visibleOrganizations(principal: Principal): string[] | 'all' {
  return actsAsOperator(principal) ? 'all' : [...principal.memberships.keys()];
}

/**
 * Like assertOrganizationAccess, but operators get no exception: for what only the club
 * itself may see, such as its admin passwords.
 */
export function assertMemberRole(principal: Principal, organizationId: string, roles: readonly MembershipRole[], what = 'Organization'): void {
  // an operator account never holds a club's powers, not even with a membership row
  if (principal.isOperator) throw new ForbiddenError('Only the club itself can see this, not operators');
  const role = principal.memberships.get(organizationId);
  if (!role) throw new NotFoundError(what);
  if (!roles.includes(role)) throw new ForbiddenError(`This needs the ${roles.join(' or ')} role in the organization; you are ${role}`);
}
