import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { type Account, AccountsService, TokensService } from '#identity';
import { AppConfig } from '#platform';
import { COOKIES, cookieName, parseCookies } from './cookies.js';
import type { PageContext, PageSession } from './page-context.js';

/**
 * Logins on the web: a session token (the same kind the API's password login issues, hashed
 * at rest, revocable) carried in an HttpOnly, SameSite=Lax cookie, Secure under HTTPS.
 */
@Injectable()
export class WebSessions {
  constructor(
    private readonly tokens: TokensService,
    private readonly accounts: AccountsService,
    private readonly config: AppConfig,
  ) {}

  /** The person behind the request's session cookie, or null (none, expired, revoked, account disabled). */
  async read(request: Request, context: PageContext): Promise<PageSession | null> {
    const token = parseCookies(request.headers.cookie)[cookieName(COOKIES.session, context.secure)];
    if (!token) return null;
    const principal = await this.tokens.authenticate(token);
    if (!principal || principal.tokenKind !== 'session') return null;
    const account = await this.accounts.findById(principal.accountId);
    if (!account) return null;
    return { principal, email: account.email, emailVerified: account.emailVerifiedAt !== null, isOperator: account.isOperator };
  }

  async start(account: Account, response: Response, context: PageContext): Promise<void> {
    const expiresAt = new Date(Date.now() + this.config.sessionTtlHours * 3_600_000);
    const { token } = await this.tokens.issue(account, { kind: 'session', name: 'web login', scopes: ['*'], expiresAt });
    response.cookie(cookieName(COOKIES.session, context.secure), token, {
      httpOnly: true,
      secure: context.secure,
      sameSite: 'lax',
      path: '/',
      expires: expiresAt,
    });
  }

  async end(context: PageContext, response: Response): Promise<void> {
    const session = context.session;
    if (session) await this.tokens.revoke(session.principal.accountId, session.principal.tokenId).catch(() => undefined);
    response.clearCookie(cookieName(COOKIES.session, context.secure), { httpOnly: true, secure: context.secure, sameSite: 'lax', path: '/' });
  }
}
