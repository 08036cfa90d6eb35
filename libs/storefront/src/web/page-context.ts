import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '#identity';
import { AppConfig } from '#platform';
import { en, type Texts } from '../texts/en.js';
import { type Locale, negotiateLocale, textsFor } from '../texts/catalogue.js';
import { COOKIES, cookieName, parseCookies } from './cookies.js';
import { csrfBinding, csrfKey, csrfToken } from './csrf.js';
import { html, type SafeHtml } from './html.js';

/** The logged-in person of a page request. */
export interface PageSession {
  readonly principal: Principal;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly isOperator: boolean;
}

/**
 * What every page of one request shares: its language, the person (once the page guard has
 * read the session cookie), the form token, and whether the response must set cookies.
 */
export class PageContext {
  session: PageSession | null = null;
  /** A form was rendered for a visitor without a visit cookie: the response sets it. */
  visitCookieNeeded = false;
  /** An explicit language choice (?lang=) to remember in a cookie. */
  languageChosen: Locale | null = null;

  constructor(
    readonly locale: Locale,
    readonly texts: Texts,
    /** Path and query of the request, for "come back here" links. */
    readonly path: string,
    readonly method: string,
    /** HTTPS (directly or through a trusted proxy, or a public URL that says so). */
    readonly secure: boolean,
    readonly visitId: string,
    private readonly visitIsNew: boolean,
    private readonly key: Buffer,
  ) {}

  /** The token the forms of this page carry. */
  get csrf(): string {
    if (!this.session && this.visitIsNew) this.visitCookieNeeded = true;
    return csrfToken(this.key, this.binding);
  }

  get binding(): string {
    return csrfBinding(this.session?.principal.tokenId ?? null, this.visitId);
  }
}

const storage = new AsyncLocalStorage<PageContext>();
const fallbackKey = randomBytes(32);

/** The page context of the running request; outside a request (unit tests, letters) an English one. */
export function currentPage(): PageContext {
  return storage.getStore() ?? new PageContext('en', en, '/', 'GET', false, 'none', false, fallbackKey);
}

export function pageTexts(): Texts {
  return currentPage().texts;
}

/** The hidden field every form posts. */
export function csrfField(): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${currentPage().csrf}">`;
}

/** Runs each request inside its page context (AsyncLocalStorage, as nestjs-cls does). */
@Injectable()
export class PageContextMiddleware implements NestMiddleware {
  private readonly key: Buffer;
  private readonly publicUrlIsHttps: boolean;

  constructor(config: AppConfig) {
    this.key = csrfKey(config.secretKey);
    this.publicUrlIsHttps = config.http.publicUrl.startsWith('https://');
  }

  use(request: Request, _response: Response, next: NextFunction): void {
    storage.run(this.contextFor(request), next);
  }

  contextFor(request: Request): PageContext {
    const secure = request.secure || this.publicUrlIsHttps;
    const cookies = parseCookies(request.headers.cookie);
    const query = typeof request.query?.lang === 'string' ? request.query.lang : undefined;
    const locale = negotiateLocale({ query, cookie: cookies[cookieName(COOKIES.language, secure)], acceptLanguage: request.headers['accept-language'] });
    const knownVisit = cookies[cookieName(COOKIES.visit, secure)];
    const visitId = knownVisit && /^[A-Za-z0-9_-]{22,64}$/.test(knownVisit) ? knownVisit : randomBytes(18).toString('base64url');
    const context = new PageContext(locale, textsFor(locale), request.originalUrl ?? request.url, request.method, secure, visitId, visitId !== knownVisit, this.key);
    if (query && query === locale) context.languageChosen = locale;
    return context;
  }
}
