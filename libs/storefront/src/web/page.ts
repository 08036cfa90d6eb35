import { type ArgumentsHost, applyDecorators, Catch, type CanActivate, type ExceptionFilter, type ExecutionContext, Injectable, SetMetadata, UseFilters, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { actsAsOperator, Public } from '#identity';
import { AppConfig, ForbiddenError, NotFoundError } from '#platform';
import { renderMessagePage } from '../orders/order-pages.js';
import { csrfKey, csrfMatches } from './csrf.js';
import { currentPage, type PageContext } from './page-context.js';
import { sendHtml } from './layout.js';
import { WebSessions } from './web-sessions.js';

/** Who may open a page: anyone, a logged-in account, or an operator. */
export type PageAccess = 'anyone' | 'account' | 'operator';
const PAGE_ACCESS = 'allmende:page-access';

/**
 * A server-rendered page route: no bearer token (the API's guard lets it pass), the session
 * cookie read, a form token checked on every POST, and access as declared. Someone who is
 * not allowed sees "not found", as if the page did not exist.
 */
export function Page(access: PageAccess = 'anyone') {
  return applyDecorators(Public(), SetMetadata(PAGE_ACCESS, access), UseGuards(PageGuard), UseFilters(PageErrorsFilter), ApiExcludeEndpoint());
}

/** Not logged in (or the session expired): to the login page, and back here afterwards. */
export class LoginRequiredError extends Error {
  override readonly name = 'LoginRequiredError';
  constructor(readonly returnTo: string) {
    super('login required');
  }
}

/** A form posted without its token, or with one of another session: 403, nothing changed. */
export class FormTokenRejectedError extends Error {
  override readonly name = 'FormTokenRejectedError';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

@Injectable()
export class PageGuard implements CanActivate {
  private readonly key: Buffer;

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: WebSessions,
    config: AppConfig,
  ) {
    this.key = csrfKey(config.secretKey);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<PageAccess>(PAGE_ACCESS, [context.getHandler(), context.getClass()]) ?? 'anyone';
    const request = context.switchToHttp().getRequest<Request>();
    const page = currentPage();
    page.session = await this.sessions.read(request, page);

    if (access !== 'anyone' && !page.session) throw new LoginRequiredError(returnPath(request, page));
    if (!SAFE_METHODS.has(request.method)) {
      const body = request.body as Record<string, unknown> | undefined;
      const presented = body?._csrf ?? request.headers['x-csrf-token'];
      if (!csrfMatches(this.key, page.binding, presented)) throw new FormTokenRejectedError('form token missing or wrong');
    }
    if (access === 'operator' && !actsAsOperator(page.session!.principal)) throw new NotFoundError('Page');
    return true;
  }
}

/** Where to come back to after logging in: this page, or for a form post the page that showed the form. */
function returnPath(request: Request, page: PageContext): string {
  if (SAFE_METHODS.has(request.method)) return page.path;
  const referer = request.headers.referer;
  if (typeof referer === 'string') {
    try {
      const url = new URL(referer);
      if (url.host === request.headers.host) return safeReturnPath(url.pathname + url.search);
    } catch {
      // not a URL: fall through
    }
  }
  return '/clubs';
}

/** Only paths of this site: "/x", never "//evil.example" or "https://...". */
export function safeReturnPath(path: unknown, fallback = '/clubs'): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\') || path.length > 2000) return fallback;
  return /[\u0000-\u001f]/.test(path) ? fallback : path;
}

/** The errors of page routes answered as pages, in the person's language. */
@Catch(LoginRequiredError, FormTokenRejectedError, NotFoundError, ForbiddenError)
export class PageErrorsFilter implements ExceptionFilter {
  catch(error: Error, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const texts = currentPage().texts;
    if (error instanceof LoginRequiredError) {
      response.redirect(303, `/login?next=${encodeURIComponent(error.returnTo)}`);
      return;
    }
    if (error instanceof FormTokenRejectedError) {
      sendHtml(response, 403, renderMessagePage(texts, texts.session.formExpired.title, texts.session.formExpired.body));
      return;
    }
    if (error instanceof ForbiddenError) {
      sendHtml(response, 403, renderMessagePage(texts, texts.session.forbidden.title, texts.session.forbidden.body));
      return;
    }
    sendHtml(response, 404, renderMessagePage(texts, texts.notFound.title, texts.notFound.body));
  }
}
