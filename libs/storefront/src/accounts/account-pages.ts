import type { Texts } from '../texts/en.js';
import { fill, html, type SafeHtml } from '../web/html.js';
import { errorSummary, field, layout } from '../web/layout.js';
import { csrfField } from '../web/page-context.js';

export interface LoginPage {
  next: string;
  email?: string;
  /** A sentence above the form: logged out, password changed, please log in again. */
  notice?: string;
  error?: string;
}

export function renderLoginPage(texts: Texts, page: LoginPage): SafeHtml {
  const t = texts.session.login;
  return layout(
    texts,
    t.title,
    html`<h1>${t.title}</h1>
${page.notice ? html`<p class="notice" role="status">${page.notice}</p>` : null}
${errorSummary(texts.orderForm.errorSummary, page.error ? [{ field: 'email', message: page.error }] : [])}
<p>${t.intro}</p>
<form method="post" action="/login" novalidate>${csrfField()}
<input type="hidden" name="next" value="${page.next}">
${field({ name: 'email', label: t.email, type: 'email', value: page.email, autocomplete: 'username', maxlength: 254 })}
${field({ name: 'password', label: t.password, type: 'password', autocomplete: 'current-password', maxlength: 200 })}
<button type="submit">${t.submit}</button>
</form>
<p><a href="/password-reset">${t.forgot}</a></p>`,
  );
}

export function renderResetRequestPage(texts: Texts, page: { email?: string; error?: string }): SafeHtml {
  const t = texts.session.reset;
  return layout(
    texts,
    t.title,
    html`<h1>${t.title}</h1>
${errorSummary(texts.orderForm.errorSummary, page.error ? [{ field: 'email', message: page.error }] : [])}
<p>${t.intro}</p>
<form method="post" action="/password-reset" novalidate>${csrfField()}
${field({ name: 'email', label: t.email, type: 'email', value: page.email, autocomplete: 'username', maxlength: 254, error: page.error })}
<button type="submit">${t.submit}</button>
</form>`,
  );
}

export function renderResetSentPage(texts: Texts, email: string): SafeHtml {
  const t = texts.session.reset;
  return layout(texts, t.sentTitle, html`<h1>${t.sentTitle}</h1>
<p>${fill(t.sentBody, { email })}</p>
<p><a href="/login">${texts.session.login.title}</a></p>`);
}

export function renderNewPasswordPage(texts: Texts, page: { token: string; error?: string }): SafeHtml {
  const t = texts.session.reset;
  return layout(
    texts,
    t.newTitle,
    html`<h1>${t.newTitle}</h1>
${errorSummary(texts.orderForm.errorSummary, page.error ? [{ field: 'password', message: page.error }] : [])}
<form method="post" action="/password-reset/new" novalidate>${csrfField()}
<input type="hidden" name="token" value="${page.token}">
${field({ name: 'password', label: t.password, hint: t.passwordHint, type: 'password', autocomplete: 'new-password', maxlength: 200, error: page.error })}
<button type="submit">${t.save}</button>
</form>`,
  );
}
