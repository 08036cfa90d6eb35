import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditLog } from '#domain';
import { DomainError, NotFoundError, ParseUuidPipe } from '#platform';
import { tokenGrantProblems } from './token-grant.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { actorOf } from '../auth/actor.js';
import { CurrentPrincipal, RequireScopes } from '../auth/decorators.js';
import type { Principal } from '../auth/principal.js';
import { TokensService } from './tokens.service.js';
import { CreateTokenInput } from './tokens.dto.js';

@ApiTags('tokens')
@ApiBearerAuth()
@Controller('api/v1/tokens')
export class TokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly accounts: AccountsService,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  @ApiOperation({ summary: "The caller's active tokens (never their secrets)" })
  async list(@CurrentPrincipal() principal: Principal) {
    return (await this.tokens.list(principal.accountId)).map(({ id, name, kind, scopes, expiresAt, lastUsedAt, createdAt }) => ({
      id, name, kind, scopes, expiresAt, lastUsedAt, createdAt,
    }));
  }

  @Post()
  @RequireScopes('tokens:write')
  @ApiOperation({ summary: "Create an API token with at most the calling token's scopes and lifetime; the token is shown in this response only" })
  async create(@CurrentPrincipal() principal: Principal, @Body() input: CreateTokenInput) {
    const account = await this.accounts.findById(principal.accountId);
    if (!account) throw new NotFoundError('Account');
    const requested = new Date(Date.now() + (input.expiresInDays ?? 90) * 86_400_000);
    // without a chosen lifetime, a token made by a token lives as long as it may
    const capped = principal.tokenKind === 'api' && principal.tokenExpiresAt && principal.tokenExpiresAt < requested ? principal.tokenExpiresAt : requested;
    const expiresAt = input.expiresInDays === undefined ? capped : requested;
    const problems = tokenGrantProblems(principal, { scopes: input.scopes, expiresAt });
    // asking for more than one holds is a refusal of authority, not a typo
    if (Object.keys(problems).length) throw new DomainError('forbidden', 'tokens.beyond_caller', "A token can only grant what the calling token holds", problems);
    const { token, record } = await this.tokens.issue(account, { kind: 'api', name: input.name, scopes: input.scopes, expiresAt });
    await this.audit.record({ actor: actorOf(principal), action: 'token.created', target: { type: 'api_token', id: record.id }, details: { scopes: input.scopes } });
    return { token, id: record.id, name: record.name, scopes: record.scopes, expiresAt: record.expiresAt };
  }

  @Delete(':tokenId')
  @HttpCode(204)
  @RequireScopes('tokens:write')
  @ApiOperation({ summary: 'Revoke one of your tokens' })
  async revoke(@CurrentPrincipal() principal: Principal, @Param('tokenId', ParseUuidPipe) tokenId: string): Promise<void> {
    await this.tokens.revoke(principal.accountId, tokenId);
    await this.audit.record({ actor: actorOf(principal), action: 'token.revoked', target: { type: 'api_token', id: tokenId } });
  }
}
