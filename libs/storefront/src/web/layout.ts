import type { Response } from 'express';
import type { Texts } from '../texts/en.js';
import { LANGUAGE_NAMES, LOCALES } from '../texts/catalogue.js';
import { COOKIES, cookieName } from './cookies.js';
import { html, SafeHtml } from './html.js';
import { csrfField, currentPage } from './page-context.js';

/** No inline script or style anywhere, so the policy can forbid both. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

export function layout(texts: Texts, title: string | SafeHtml, main: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="${texts.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${texts.siteName}</title>
<link rel="stylesheet" href="/assets/billing.css">
<script src="/assets/billing.js" defer></script>
</head>
<body>
<a class="skip" href="#main">${texts.layout.skipToContent}</a>
<header class="site"><a class="brand" href="/">${texts.siteName}</a>${siteNavigation(texts)}</header>
<main id="main">
${main}
</main>
<footer class="site"><p>${texts.layout.footer}</p></footer>
</body>
</html>
`;
}

/** The person's way around: their clubs, the console for operators, log in or out, and the language. */
function siteNavigation(texts: Texts): SafeHtml {
  const page = currentPage();
  const t = texts.session.nav;
  const session = page.session;
  const back = encodeURIComponent(page.method === 'GET' ? page.path.replace(/([?&])lang=[a-z]{2}(&|$)/, '$1').replace(/[?&]$/, '') : '/');
  return html`<nav class="site" aria-label="${t.label}"><ul>
${session ? html`<li><a href="/clubs">${t.clubs}</a></li>` : null}
${session?.isOperator ? html`<li><a href="/console">${t.console}</a></li>` : null}
${session
  ? html`<li><form method="post" action="/logout" class="inline">${csrfField()}<button type="submit" class="link">${t.logout}</button></form></li>`
  : html`<li><a href="/login">${t.login}</a></li>`}
${LOCALES.filter((locale) => locale !== texts.locale).map((locale) => html`<li><a href="/language/${locale}?next=${back}" hreflang="${locale}" lang="${locale}">${LANGUAGE_NAMES[locale]}</a></li>`)}
</ul></nav>`;
}

/** Sends a page with the headers every HTML response of ours carries. */
export function sendHtml(response: Response, status: number, body: SafeHtml, options: { cache?: boolean } = {}): void {
  const page = currentPage();
  // the visitor's cookie that forms before login are bound to, and a language chosen by ?lang=
  if (page.visitCookieNeeded) response.cookie(cookieName(COOKIES.visit, page.secure), page.visitId, { httpOnly: true, secure: page.secure, sameSite: 'lax', path: '/' });
  if (page.languageChosen) rememberLanguage(response, page.languageChosen, page.secure);
  response
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
      'Cache-Control': options.cache ? 'public, max-age=300' : 'no-store',
    })
    .send(body.toString());
}

export interface FieldOptions {
  name: string;
  label: string;
  hint?: string | SafeHtml;
  error?: string;
  type?: 'text' | 'email' | 'password';
  value?: string;
  autocomplete?: string;
  maxlength?: number;
  /** Extra content after the input, e.g. a live status line. */
  after?: SafeHtml;
  /** Element id when two forms on one page share a field name (default: the name). */
  id?: string;
}

/** A labelled input with its hint and error linked through aria-describedby. */
export function field(options: FieldOptions): SafeHtml {
  const id = options.id ?? options.name;
  const describedBy = [options.hint ? `${id}-hint` : null, options.error ? `${id}-error` : null].filter(Boolean).join(' ');
  return html`<div class="field${options.error ? ' has-error' : ''}">
  <label for="${id}">${options.label}</label>
  ${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : null}
  ${options.error ? html`<p class="error" id="${id}-error"><span class="visually-hidden">Error: </span>${options.error}</p>` : null}
  <input id="${id}" name="${options.name}" type="${options.type ?? 'text'}"${attribute('value', options.value)}${attribute('autocomplete', options.autocomplete)}${attribute('maxlength', options.maxlength)}${options.error ? html` aria-invalid="true"` : null}${describedBy ? html` aria-describedby="${describedBy}"` : null}>
  ${options.after ?? null}
</div>`;
}

export function attribute(name: string, value: string | number | undefined | null): SafeHtml | null {
  return value === undefined || value === null ? null : html` ${name}="${value}"`;
}

export function errorSummary(title: string, errors: ReadonlyArray<{ field: string; message: string }>): SafeHtml | null {
  if (errors.length === 0) return null;
  return html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary">
  <h2>${title}</h2>
  <ul>${errors.map((error) => html`<li><a href="#${error.field}">${error.message}</a></li>`)}</ul>
</div>`;
}

export function rememberLanguage(response: Response, locale: string, secure: boolean): void {
  response.cookie(cookieName(COOKIES.language, secure), locale, { httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: 365 * 86_400_000 });
}
