import { type FieldProblem, problem } from '#platform';
import { hasScope, type Principal } from '../auth/principal.js';
import type { IdentityProblemCode } from '../problems.js';

/**
 * What a caller may put into a new token: only scopes its own token carries (a session's `*`
 * carries all its account allows), never the operator scope for a non-operator, and, when the
 * caller is itself an API token, an expiry no later than its own. (A password session is the
 * person themselves: they may give a script a token that outlives the session.) Pure: the
 * decision, tested without a database.
 */
export function tokenGrantProblems(caller: Principal, requested: { scopes: readonly string[]; expiresAt: Date }): Record<string, FieldProblem> {
  const problems: Record<string, FieldProblem> = {};
  const beyond = requested.scopes.filter((scope) => !hasScope(caller, scope) || (scope === 'operator' && !caller.isOperator));
  if (beyond.length) problems.scopes = problem<IdentityProblemCode>('scopes.not_yours', { scopes: beyond.join(', ') });
  if (caller.tokenKind === 'api' && caller.tokenExpiresAt && requested.expiresAt.getTime() > caller.tokenExpiresAt.getTime()) {
    problems.expiresInDays = problem<IdentityProblemCode>('expiry.beyond_yours', { expires: caller.tokenExpiresAt.toISOString() });
  }
  return problems;
}
