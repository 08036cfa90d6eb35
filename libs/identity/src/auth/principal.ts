import type { MembershipRole } from '../entities/index.js';

/** Who is calling, as established from their bearer token. */
export interface Principal {
  readonly accountId: string;
  readonly email: string;
  readonly isOperator: boolean;
  readonly tokenId: string;
  readonly scopes: readonly string[];
  /** organizationId -> role, for every organization the account belongs to. */
  readonly memberships: ReadonlyMap<string, MembershipRole>;
}

export function hasScope(principal: Principal, scope: string): boolean {
  return principal.scopes.includes('*') || principal.scopes.includes(scope);
}

/** Operator powers need both: an operator account and a token that carries them. */
export function actsAsOperator(principal: Principal): boolean {
  return principal.isOperator && hasScope(principal, 'operator');
}
