import type { MembershipRole } from '../entities/index.js';

/** Who is calling, as established from their bearer token. */
export interface Principal {
  readonly accountId: string;
  readonly email: string;
  readonly isOperator: boolean;
  readonly tokenId: string;
  readonly scopes: readonly string[];
  /** When the token used for this request expires: API tokens it creates may not outlive it. */
  readonly tokenExpiresAt?: Date;
  /** session: from a password login (the person themselves); api: created for a script. */
  readonly tokenKind?: 'session' | 'api';
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
