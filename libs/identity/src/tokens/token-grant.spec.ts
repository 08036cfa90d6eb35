import type { Principal } from '../auth/principal.js';
import { tokenGrantProblems } from './token-grant.js';

const NOW = Date.now();
const caller = (scopes: string[], extra: Partial<Principal> = {}): Principal => ({
  accountId: 'a', email: 'a@b.example', isOperator: false, tokenId: 't', scopes, memberships: new Map(), tokenExpiresAt: new Date(NOW + 10 * 86_400_000), tokenKind: 'api', ...extra,
});
const inDays = (days: number) => new Date(NOW + days * 86_400_000);

describe('token grants', () => {
  it('lets a token pass on a subset of its own scopes, within its own lifetime', () => {
    expect(tokenGrantProblems(caller(['org:read', 'tokens:write']), { scopes: ['org:read'], expiresAt: inDays(5) })).toEqual({});
    expect(tokenGrantProblems(caller(['*']), { scopes: ['org:write', 'billing:read'], expiresAt: inDays(9) })).toEqual({});
  });

  it('refuses scopes the caller does not hold: a narrow token cannot mint a broad one', () => {
    expect(tokenGrantProblems(caller(['org:read', 'tokens:write']), { scopes: ['org:read', 'tenants:write', 'operator'], expiresAt: inDays(1) })).toEqual({
      scopes: { code: 'scopes.not_yours', params: { scopes: 'tenants:write, operator' } },
    });
  });

  it('gives the operator scope only to an operator whose own token carries it', () => {
    expect(tokenGrantProblems(caller(['*']), { scopes: ['operator'], expiresAt: inDays(1) }).scopes?.code).toBe('scopes.not_yours');
    expect(tokenGrantProblems(caller(['tokens:write', 'org:read'], { isOperator: true }), { scopes: ['operator'], expiresAt: inDays(1) }).scopes?.code).toBe('scopes.not_yours');
    expect(tokenGrantProblems(caller(['*'], { isOperator: true }), { scopes: ['operator'], expiresAt: inDays(1) })).toEqual({});
  });

  it('refuses an API token that would outlive the API token that creates it; a password session may', () => {
    expect(tokenGrantProblems(caller(['org:read', 'tokens:write']), { scopes: ['org:read'], expiresAt: inDays(30) }).expiresInDays?.code).toBe('expiry.beyond_yours');
    expect(tokenGrantProblems(caller(['*'], { tokenKind: 'session' }), { scopes: ['org:read'], expiresAt: inDays(30) })).toEqual({});
  });
});
