import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Account } from '../entities/index.js';
import { AppConfig } from '#platform';
import { CurrentPrincipal, Public } from '../auth/decorators.js';
import { PasswordLoginGuard } from '../auth/guards.js';
import type { Principal } from '../auth/principal.js';
import { TokensService } from '../tokens/tokens.service.js';
import { AccountsService } from './accounts.service.js';
import { LoginInput } from './auth.dto.js';

@ApiTags('auth')
@Controller('api/v1')
export class AuthController {
  constructor(
    private readonly tokens: TokensService,
    private readonly accounts: AccountsService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  @UseGuards(PasswordLoginGuard)
  @ApiOperation({ summary: 'Log in with email and password; returns a session token' })
  async login(@Body() _input: LoginInput, @Req() request: { user: Account }) {
    const account = request.user;
    const expiresAt = new Date(Date.now() + this.config.sessionTtlHours * 3600_000);
    const { token, record } = await this.tokens.issue(account, { kind: 'session', name: 'login', scopes: ['*'], expiresAt });
    return { token, tokenId: record.id, expiresAt, account: { id: account.id, email: account.email, isOperator: account.isOperator } };
  }

  @Post('auth/logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Revoke the token used for this request' })
  async logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.tokens.revoke(principal.accountId, principal.tokenId);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The calling account and its organizations' })
  async me(@CurrentPrincipal() principal: Principal) {
    const account = await this.accounts.findById(principal.accountId);
    const memberships = await this.accounts.memberships(principal.accountId);
    return {
      id: principal.accountId,
      email: principal.email,
      displayName: account?.displayName ?? null,
      isOperator: principal.isOperator,
      scopes: principal.scopes,
      organizations: memberships.map((m) => ({ id: m.organizationId, name: m.organization!.name, slug: m.organization!.slug, role: m.role })),
    };
  }
}
