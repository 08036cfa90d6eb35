import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AccountsService, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '#identity';
import { TooManyRequestsError } from '#platform';
import { RateLimits } from '#platform/limits';
import { localeOf } from '../texts/catalogue.js';
import { fill } from '../web/html.js';
import { rememberLanguage, sendHtml } from '../web/layout.js';
import { Page, safeReturnPath } from '../web/page.js';
import { currentPage, pageTexts } from '../web/page-context.js';
import { WebSessions } from '../web/web-sessions.js';
import { renderMessagePage } from '../orders/order-pages.js';
import { renderLoginPage, renderNewPasswordPage, renderResetRequestPage, renderResetSentPage } from './account-pages.js';

const EMAIL_MAX = 254;
// a person may ask a few times; more from one address is someone mailing strangers
const RESETS_PER_ADDRESS_PER_HOUR = 10;

/** Logging in and out, setting a new password by mail, resending the address check, and the language switch. */
@Controller()
export class AccountPagesController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: WebSessions,
    private readonly limits: RateLimits,
  ) {}

  @Page()
  @Get('login')
  async loginForm(@Query('next') next: unknown, @Query('done') done: unknown, @Res() response: Response): Promise<void> {
    const page = currentPage();
    if (page.session) return response.redirect(303, safeReturnPath(next));
    const t = page.texts.session.login;
    const notice = done === 'logout' ? t.loggedOut : done === 'password' ? t.passwordChanged : typeof next === 'string' ? t.expired : undefined;
    sendHtml(response, 200, renderLoginPage(page.texts, { next: safeReturnPath(next), notice }));
  }

  @Page()
  @Post('login')
  async login(@Body() body: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    const page = currentPage();
    const t = page.texts.session.login;
    const email = typeof body?.email === 'string' ? body.email.trim().slice(0, EMAIL_MAX) : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    const next = safeReturnPath(body?.next);
    if (!email || !password) return sendHtml(response, 400, renderLoginPage(page.texts, { next, email, error: t.required }));
    let account;
    try {
      account = await this.accounts.authenticate(email, password, request.ip);
    } catch (error) {
      if (error instanceof TooManyRequestsError) return sendHtml(response, 429, renderLoginPage(page.texts, { next, email, error: t.tooMany }));
      throw error;
    }
    if (!account) return sendHtml(response, 401, renderLoginPage(page.texts, { next, email, error: t.refused }));
    await this.sessions.start(account, response, page);
    response.redirect(303, next);
  }

  @Page()
  @Post('logout')
  async logout(@Res() response: Response): Promise<void> {
    await this.sessions.end(currentPage(), response);
    response.redirect(303, '/login?done=logout');
  }

  @Page()
  @Get('password-reset')
  resetForm(@Res() response: Response): void {
    sendHtml(response, 200, renderResetRequestPage(pageTexts(), {}));
  }

  @Page()
  @Post('password-reset')
  async requestReset(@Body() body: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    const page = currentPage();
    const email = typeof body?.email === 'string' ? body.email.trim() : '';
    if (!email || email.length > EMAIL_MAX || !email.includes('@')) {
      return sendHtml(response, 400, renderResetRequestPage(page.texts, { email: email.slice(0, EMAIL_MAX), error: page.texts.session.reset.emailRequired }));
    }
    const limit = await this.limits.hit({ name: 'password-reset:address', max: RESETS_PER_ADDRESS_PER_HOUR, windowSeconds: 3600 }, request.ip ?? 'unknown');
    if (!limit.allowed) {
      response.setHeader('Retry-After', String(limit.retryAfterSeconds));
      return sendHtml(response, 429, renderResetRequestPage(page.texts, { email, error: page.texts.session.login.tooMany }));
    }
    // the same answer whether or not the address has an account
    await this.accounts.requestPasswordReset(email, page.locale);
    sendHtml(response, 200, renderResetSentPage(page.texts, email));
  }

  @Page()
  @Get('password-reset/new')
  async newPasswordForm(@Query('token') token: unknown, @Res() response: Response): Promise<void> {
    const texts = pageTexts();
    if (typeof token !== 'string' || !(await this.accounts.passwordResetUsable(token))) return this.invalidLink(response);
    sendHtml(response, 200, renderNewPasswordPage(texts, { token }));
  }

  @Page()
  @Post('password-reset/new')
  async setNewPassword(@Body() body: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const page = currentPage();
    const token = typeof body?.token === 'string' ? body.token : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    if (!(await this.accounts.passwordResetUsable(token))) return this.invalidLink(response);
    if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
      return sendHtml(response, 400, renderNewPasswordPage(page.texts, { token, error: page.texts.session.reset.passwordRules }));
    }
    const account = await this.accounts.resetPassword(token, password);
    if (!account) return this.invalidLink(response);
    // this browser's session (if any) ended with all the others
    await this.sessions.end(page, response);
    response.redirect(303, '/login?done=password');
  }

  /** Sends the address check again, for an account that lost the first mail. */
  @Page('account')
  @Post('account/verification')
  async resendVerification(@Res() response: Response): Promise<void> {
    const page = currentPage();
    const session = page.session!;
    if (!session.emailVerified) await this.accounts.sendVerification({ id: session.principal.accountId, email: session.email }, page.locale);
    response.redirect(303, '/clubs?verification=sent');
  }

  /** The language switch: remembered in a cookie, then back to the page. */
  @Page()
  @Get('language/:locale')
  chooseLanguage(@Param('locale') locale: string, @Query('next') next: unknown, @Res() response: Response): void {
    const chosen = localeOf(locale);
    if (!chosen) return sendHtml(response, 404, renderMessagePage(pageTexts(), pageTexts().notFound.title, pageTexts().notFound.body));
    rememberLanguage(response, chosen, currentPage().secure);
    response.redirect(303, safeReturnPath(next, '/'));
  }

  private invalidLink(response: Response): void {
    const texts = pageTexts();
    sendHtml(response, 404, renderMessagePage(texts, texts.session.reset.invalid.title, fill(texts.session.reset.invalid.body, {})));
  }
}
