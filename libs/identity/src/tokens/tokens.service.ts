import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { Account, ApiToken, ApiTokenKind, Membership, MembershipRole } from '../entities/index.js';
import { constantTimeEqualHex, ForbiddenError, NotFoundError, problem, randomToken, sha256Hex, ValidationFailedError } from '#platform';
import type { IdentityProblemCode } from '../problems.js';
import type { Principal } from '../auth/principal.js';
import { SCOPE_NAMES } from '../auth/scopes.js';

const TOKEN_PATTERN = /^alm_([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;
// Recording every use would mean a write per request; once a minute is enough to see stale tokens.
const LAST_USED_RESOLUTION_MS = 60_000;

export interface IssuedToken {
  /** The full bearer token; shown once, never stored. */
  token: string;
  record: ApiToken;
}

@Injectable()
export class TokensService {
  constructor(@InjectRepository(ApiToken) private readonly tokens: Repository<ApiToken>) {}

  async issue(account: Account, input: { kind: ApiTokenKind; name: string; scopes: string[]; expiresAt: Date }): Promise<IssuedToken> {
    const unknown = input.scopes.filter((scope) => scope !== '*' && !SCOPE_NAMES.includes(scope as never));
    if (unknown.length) throw ValidationFailedError.field('scopes', problem<IdentityProblemCode>('scopes.unknown', { scopes: unknown.join(', ') }));
    if (input.scopes.includes('operator') && !account.isOperator) {
      throw new ForbiddenError('Only operator accounts can create tokens with the operator scope');
    }
    const secret = randomToken(32);
    const record = await this.tokens.save(
      this.tokens.create({
        accountId: account.id,
        kind: input.kind,
        name: input.name,
        scopes: input.scopes,
        expiresAt: input.expiresAt,
        secretHash: sha256Hex(secret),
      }),
    );
    delete (record as Partial<ApiToken>).secretHash;
    return { token: `alm_${record.id}.${secret}`, record };
  }

  /** The principal behind a bearer token, or null if it is malformed, unknown, expired, revoked or its account disabled. */
  async authenticate(bearer: string): Promise<Principal | null> {
    const match = TOKEN_PATTERN.exec(bearer);
    if (!match) return null;
    const [, id, secret] = match;
    const token = await this.tokens
      .createQueryBuilder('token')
      .addSelect('token.secretHash')
      .innerJoinAndSelect('token.account', 'account')
      .where('token.id = :id', { id })
      .getOne();
    if (!token || !token.account) return null;
    if (!constantTimeEqualHex(token.secretHash, sha256Hex(secret))) return null;
    const now = Date.now();
    if (token.revokedAt || token.expiresAt.getTime() <= now || token.account.disabledAt) return null;
    if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.tokens.update(token.id, { lastUsedAt: new Date(now) });
    }
    // operators hold no club's powers, whatever rows say: nothing they hold reveals a club's credentials
    const memberships = token.account.isOperator ? [] : await this.tokens.manager.find(Membership, { where: { accountId: token.accountId } });
    return {
      accountId: token.accountId,
      email: token.account.email,
      isOperator: token.account.isOperator,
      tokenId: token.id,
      scopes: token.scopes,
      tokenExpiresAt: token.expiresAt,
      tokenKind: token.kind,
      memberships: new Map<string, MembershipRole>(memberships.map((m) => [m.organizationId, m.role])),
    };
  }

  list(accountId: string): Promise<ApiToken[]> {
    return this.tokens.find({ where: { accountId, revokedAt: IsNull() }, order: { createdAt: 'DESC' } });
  }

  /** Revokes one of the account's own tokens. Someone else's token id is "not found". */
  async revoke(accountId: string, tokenId: string): Promise<void> {
    const result = await this.tokens.update({ id: tokenId, accountId, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected) throw new NotFoundError('Token', tokenId);
  }
}
