import { Injectable } from '@nestjs/common';
import { ForbiddenError } from '#platform';
import { AccountsService } from '../accounts/accounts.service.js';
import type { MembershipRole } from '../entities/index.js';
import { MembershipsService } from '../organizations/memberships.service.js';
import { assertMemberRole, assertOrganizationAccess } from './access-policy.js';
import type { Principal } from './principal.js';

/**
 * The access policy for callers known by account rather than by token (the order page's
 * email-and-password forms): the same rules as for bearer tokens, with a session-equivalent
 * principal built from the database.
 */
@Injectable()
export class AccessCheck {
  constructor(
    private readonly accounts: AccountsService,
    private readonly memberships: MembershipsService,
  ) {}

  /**
   * For what only the club itself may do (see its admin passwords, open its billing): operators
   * are refused too. `outsiders: 'forbidden'` where the caller already holds a link to the thing
   * (an order page), so saying it exists reveals nothing.
   */
  async requireMemberRole(
    accountId: string,
    organizationId: string,
    roles: readonly MembershipRole[],
    what = 'Organization',
    outsiders: 'not_found' | 'forbidden' = 'not_found',
  ): Promise<void> {
    const principal = await this.principalOf(accountId, organizationId);
    if (outsiders === 'forbidden' && !principal.memberships.has(organizationId)) {
      throw new ForbiddenError(`This needs the ${roles.join(' or ')} role in the organization`);
    }
    assertMemberRole(principal, organizationId, roles, what);
  }

  /** For organization data: operators pass, members need one of the roles, outsiders get 404. */
  async requireAccess(accountId: string, organizationId: string, roles: readonly MembershipRole[], what = 'Organization'): Promise<void> {
    assertOrganizationAccess(await this.principalOf(accountId, organizationId), organizationId, roles, what);
  }

  private async principalOf(accountId: string, organizationId: string): Promise<Principal> {
    const account = await this.accounts.findById(accountId);
    const role = await this.memberships.roleOf(organizationId, accountId);
    return {
      accountId,
      email: account?.email ?? '',
      isOperator: account?.isOperator ?? false,
      tokenId: '',
      // a password session may use everything the account's roles allow
      scopes: ['*'],
      memberships: new Map(role ? [[organizationId, role]] : []),
    };
  }
}
