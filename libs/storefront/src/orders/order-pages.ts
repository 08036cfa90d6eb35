import type { OperationStep } from '#provisioning';
import type { Plan } from '#catalog';
import { isPhaseLive, orderPhase, type OrderPhase } from './order-phase.js';
import type { FieldErrors, OrderFormValues } from './order-form.js';
import type { OrderDetails } from '#billing';
import type { Texts } from '../texts/en.js';
import { dateTime } from '../web/dates.js';
import { fill, html, SafeHtml } from '../web/html.js';
import { csrfField, currentPage } from '../web/page-context.js';
import { money, planContents, planPrice, planWords } from './plan-words.js';
import { type AddressesSection, renderAddresses } from './address-pages.js';
import { errorSummary, field, layout } from '../web/layout.js';

export interface OrderFormPage {
  plans: Plan[];
  values: OrderFormValues;
  errors: FieldErrors;
  provider: 'stripe' | 'manual';
  baseDomain: string;
  terms: { version: string; url?: string };
  dpa: { version: string; url?: string };
}

export { money } from './plan-words.js';

export function day(texts: Texts, date: Date | null | undefined): string {
  return date ? new Intl.DateTimeFormat(texts.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date) : '';
}

const FIELD_ORDER = ['plan', 'clubName', 'contactEmail', 'password', 'addressKind', 'subdomain', 'customDomain', 'acceptTerms', 'acceptDpa'] as const;

export function renderOrderForm(texts: Texts, page: OrderFormPage): SafeHtml {
  const t = texts.orderForm;
  const { values, errors } = page;
  const kind = values.addressKind === 'custom' ? 'custom' : 'subdomain';
  // someone logged in orders another club or plan as themselves: no new account, no password
  const session = currentPage().session;
  const orderingAs = session && !session.isOperator ? session.email : undefined;
  const summary = FIELD_ORDER.filter((name) => errors[name]).map((name) => ({ field: name === 'plan' ? `plan-${page.plans[0]?.code}` : name, message: errors[name]! }));

  const plans = html`<fieldset${describedBy('plan', errors.plan)}>
  <legend>${t.planLegend}</legend>
  ${errors.plan ? html`<p class="error" id="plan-error">${errors.plan}</p>` : null}
  <div class="plans">
  ${page.plans.map(
    (plan) => html`<div class="plan">
    <input type="radio" name="plan" id="plan-${plan.code}" value="${plan.code}" aria-describedby="plan-${plan.code}-description"${plan.code === values.plan ? html` checked` : null}>
    <label for="plan-${plan.code}">${planWords(texts, plan).name} <span class="price">${planPrice(texts, plan)}</span></label>
    <div class="plan-details" id="plan-${plan.code}-description"><p>${planWords(texts, plan).description}</p>${planContents(texts, plan)}</div>
  </div>`,
  )}
  </div>
</fieldset>`;

  const club = html`<fieldset>
  <legend>${t.clubLegend}</legend>
  ${field({ name: 'clubName', label: t.clubName.label, hint: t.clubName.hint, error: errors.clubName, value: values.clubName, autocomplete: 'organization', maxlength: 100 })}
  ${field({ name: 'contactEmail', label: t.contactEmail.label, hint: t.contactEmail.hint, error: errors.contactEmail, value: values.contactEmail, type: 'email', autocomplete: 'email', maxlength: 254 })}
  ${orderingAs
    ? html`<p class="note">${fill(t.orderingAs, { email: orderingAs })}</p>`
    : html`${field({ name: 'password', label: t.password.label, hint: t.password.hint, error: errors.password, type: 'password', autocomplete: 'new-password', maxlength: 200 })}
  <p class="note">${t.haveAccount} <a href="/login?next=%2F">${texts.session.login.submit}</a></p>`}
</fieldset>`;

  const availability = html`<p class="availability" id="subdomain-availability" aria-live="polite" data-checking="${t.availability.checking}" data-available="${t.availability.available}" data-unavailable="${t.availability.unavailable}"></p>`;
  const address = html`<fieldset${describedBy('addressKind', errors.addressKind)}>
  <legend>${t.addressLegend}</legend>
  ${errors.addressKind ? html`<p class="error" id="addressKind-error">${errors.addressKind}</p>` : null}
  <div class="choice"><input type="radio" name="addressKind" id="addressKind" value="subdomain"${kind === 'subdomain' ? html` checked` : null}><label for="addressKind">${fill(t.addressKind.subdomain, { base: page.baseDomain })}</label></div>
  <div id="subdomain-block">
  ${field({ name: 'subdomain', label: t.subdomain.label, hint: fill(t.subdomain.hint, { base: page.baseDomain }), error: errors.subdomain, value: values.subdomain, autocomplete: 'off', maxlength: 40, after: availability })}
  </div>
  <div class="choice"><input type="radio" name="addressKind" id="addressKind-custom" value="custom"${kind === 'custom' ? html` checked` : null}><label for="addressKind-custom">${t.addressKind.custom}</label></div>
  <div id="custom-block">
  ${field({ name: 'customDomain', label: t.customDomain.label, hint: t.customDomain.hint, error: errors.customDomain, value: values.customDomain, autocomplete: 'off', maxlength: 253 })}
  </div>
</fieldset>`;

  const agreements = html`<fieldset>
  <legend>${t.agreementsLegend}</legend>
  ${agreement('acceptTerms', fill(t.acceptTerms, { version: page.terms.version }), page.terms.url, t.readTerms, values.acceptTerms === 'yes', errors.acceptTerms)}
  ${agreement('acceptDpa', fill(t.acceptDpa, { version: page.dpa.version }), page.dpa.url, t.readDpa, values.acceptDpa === 'yes', errors.acceptDpa)}
</fieldset>`;

  const main = html`<h1>${t.title}</h1>
<p>${t.intro}</p>
${errorSummary(t.errorSummary, summary)}
<form method="post" action="/order" novalidate>${csrfField()}
${plans}
${club}
${address}
${agreements}
<p class="note">${page.provider === 'stripe' ? t.paymentStripe : t.paymentManual}</p>
<button type="submit">${page.provider === 'stripe' ? t.submitStripe : t.submitManual}</button>
</form>`;
  return layout(texts, t.title, main);
}

function describedBy(name: string, error: string | undefined): SafeHtml | null {
  return error ? html` aria-describedby="${name}-error"` : null;
}

function agreement(name: string, label: SafeHtml, url: string | undefined, linkText: string, checked: boolean, error: string | undefined): SafeHtml {
  return html`<div class="field${error ? ' has-error' : ''}">
  ${error ? html`<p class="error" id="${name}-error">${error}</p>` : null}
  <div class="choice"><input type="checkbox" id="${name}" name="${name}" value="yes"${checked ? html` checked` : null}${error ? html` aria-invalid="true" aria-describedby="${name}-error"` : null}>
  <label for="${name}">${label}</label></div>
  ${url ? html`<p class="hint"><a href="${url}" target="_blank" rel="noopener">${linkText}</a></p>` : null}
</div>`;
}

export interface StatusPage {
  details: OrderDetails;
  checkout?: string;
  /** A message about the last action (e.g. the provider was unreachable, or the portal login failed). */
  notice?: string;
  portalError?: string;
  portalEmail?: string;
  credentialsError?: string;
  credentialsEmail?: string;
  bankAccount?: string;
  /** The edge's HTTPS port, when it is not 443 (npm start, tests): part of the club's address. */
  httpsPort?: number;
  /** When the club's data was last saved and last proven to restore (provisioning's summary). */
  backups?: { lastSuccessfulBackupAt: Date | null; lastVerifiedRestoreAt: Date | null };
  /** The addresses part: a sign-in form, or what a signed-in owner sees. */
  addresses?: AddressesSection;
}

export function renderStatusPage(texts: Texts, page: StatusPage): SafeHtml {
  const t = texts.status;
  const { order, plan, organization, domains, subscription } = page.details;
  const address = domains.find((d) => d.isPrimary)?.name ?? domains[0]?.name ?? null;
  const phase = orderPhase(order, page.details.tenant?.state ?? null, page.checkout);
  const showPortal = order.paymentProvider === 'stripe' && !!subscription?.providerCustomerId && !['terminated', 'expired'].includes(phase);
  const main = html`<h1>${fill(t.heading, { club: organization.name })}</h1>
${page.notice ? html`<p class="status problem" role="alert">${page.notice}</p>` : null}
<div id="order-status" aria-live="polite"${isPhaseLive(phase) ? html` data-poll="/order/${order.id}/status${page.checkout ? `?checkout=${encodeURIComponent(page.checkout)}` : ''}"` : null}>
${renderStatusFragment(texts, page)}
</div>
<h2>${t.title}</h2>
<dl class="summary">
  <dt>${t.summary.plan}</dt><dd>${plan.name}</dd>
  <dt>${t.summary.price}</dt><dd>${fill(texts.orderForm.planPrice, { price: money(texts, order.amountCents, order.currency), interval: texts.intervals[plan.interval] ?? plan.interval })}</dd>
  ${address ? html`<dt>${t.summary.address}</dt><dd>${address}</dd>` : null}
  <dt>${t.summary.ordered}</dt><dd>${day(texts, order.createdAt)}</dd>
  <dt>${t.summary.agreements}</dt><dd>${fill(t.summary.agreementsValue, { terms: order.termsVersion, dpa: order.dpaVersion, date: day(texts, order.termsAcceptedAt) })}</dd>
</dl>
${page.backups && ['active', 'past_due', 'suspended', 'terminating'].includes(phase) ? renderBackups(texts, page.backups) : null}
${showPortal ? renderPortalForm(texts, order.id, page.portalEmail, page.portalError) : null}`;
  return layout(texts, t.title, main);
}

/** The part of the status page that changes; also served alone for the page's polling. */
export function renderStatusFragment(texts: Texts, page: StatusPage): SafeHtml {
  const t = texts.status;
  const { order, tenant, domains, operation } = page.details;
  const phase: OrderPhase = orderPhase(order, tenant?.state ?? null, page.checkout);
  const copy = t.phases[phase];
  const address = domains.find((d) => d.isPrimary)?.name ?? domains[0]?.name ?? '';
  const url = `https://${address}${page.httpsPort && page.httpsPort !== 443 ? `:${page.httpsPort}` : ''}`;
  const link = html`<a href="${url}">${url}</a>`;
  const tone = phase === 'past_due' || phase === 'checkout_canceled' ? ' warning' : phase === 'suspended' || phase === 'failed' || phase === 'expired' ? ' problem' : '';
  const body = fill(copy.body, {
    address: link,
    amount: money(texts, order.amountCents, order.currency),
    date: day(texts, phase === 'past_due' ? tenant?.graceEndsAt : tenant?.deleteDataAfter),
  });

  let extra: SafeHtml | null = null;
  if (phase === 'awaiting_payment' || phase === 'checkout_canceled') {
    extra = html`<form method="post" action="/order/${order.id}/checkout">${csrfField()}<button type="submit">${t.continuePayment}</button></form>`;
  } else if (phase === 'bank_transfer') {
    extra = html`<dl class="summary">
  <dt>${t.bank.amount}</dt><dd>${fill(texts.orderForm.planPrice, { price: money(texts, order.amountCents, order.currency), interval: texts.intervals[page.details.plan.interval] ?? page.details.plan.interval })}</dd>
  <dt>${t.bank.reference}</dt><dd><code>${order.reference}</code></dd>
  <dt>${t.bank.account}</dt><dd>${page.bankAccount ?? t.bank.noAccount}</dd>
</dl>`;
  } else if (phase === 'provisioning' && operation) {
    extra = renderSteps(texts, operation.progress, operation.steps);
  } else if (phase === 'expired' || phase === 'terminated') {
    extra = html`<p><a class="button" href="/">${t.orderAgain}</a></p>`;
  }
  const live = isPhaseLive(phase);
  // once the instance is ready, how to log in belongs to what changed: the page that watched it gets the form too
  const ready =
    phase === 'active' || phase === 'past_due'
      ? html`<h2>${t.login.heading}</h2>
<p>${t.login.owner}</p>
<p>${t.login.credentials}</p>
${renderCredentialsForm(texts, order.id, page.credentialsEmail, page.credentialsError)}
${renderAddresses(texts, order.id, page.addresses ?? {})}`
      : null;
  return html`<section class="status${tone}" data-phase="${phase}" data-final="${live ? 'false' : 'true'}"${phase === 'bank_transfer' ? html` data-poll-seconds="10"` : null}>
  <h2>${copy.title}</h2>
  <p>${body}</p>
  ${extra}
  ${live ? html`<p class="note"><a href="/order/${order.id}${page.checkout ? `?checkout=${encodeURIComponent(page.checkout)}` : ''}">${t.checkAgain}</a></p>` : null}
</section>
${ready}`;
}

function renderBackups(texts: Texts, backups: NonNullable<StatusPage['backups']>): SafeHtml {
  const t = texts.status.backups;
  return html`<h2 id="backups">${t.heading}</h2>
<p>${backups.lastSuccessfulBackupAt ? fill(t.lastBackup, { date: dateTime(texts, backups.lastSuccessfulBackupAt) }) : t.noBackup}</p>
<p>${backups.lastVerifiedRestoreAt ? fill(t.lastVerified, { date: dateTime(texts, backups.lastVerifiedRestoreAt) }) : t.notVerified}</p>`;
}

function renderSteps(texts: Texts, progress: number, steps: OperationStep[]): SafeHtml {
  const t = texts.status;
  return html`<label for="progress">${t.progress}</label>
<progress id="progress" max="100" value="${progress}">${progress} %</progress>
<ol class="steps">${steps.map((step) => html`<li class="${step.state}">${step.title} <span>(${t.stepStates[step.state] ?? step.state})</span></li>`)}</ol>`;
}

function renderCredentialsForm(texts: Texts, orderId: string, email: string | undefined, error: string | undefined): SafeHtml {
  const t = texts.status.login;
  return html`<form method="post" action="/order/${orderId}/credentials" novalidate>${csrfField()}
${field({ name: 'email', id: 'credentials-email', label: t.email, type: 'email', value: email, autocomplete: 'email' })}
${field({ name: 'password', id: 'credentials-password', label: t.password, type: 'password', autocomplete: 'current-password', error })}
<button type="submit">${t.submit}</button>
</form>`;
}

/** The club's admin logins, once. */
export function renderCredentialsPage(texts: Texts, orderId: string, credentials: ReadonlyArray<{ app: string; username: string; password: string; loginUrl: string }>): SafeHtml {
  const t = texts.status.credentials;
  return layout(texts, t.title, html`<h1>${t.title}</h1>
<p class="status warning" role="alert">${t.intro}</p>
<table class="credentials">
  <thead><tr><th scope="col">${t.app}</th><th scope="col">${t.username}</th><th scope="col">${t.password}</th><th scope="col">${t.where}</th></tr></thead>
  <tbody>${credentials.map((c) => html`<tr><td>${c.app}</td><td><code>${c.username}</code></td><td><code>${c.password}</code></td><td>${c.loginUrl.startsWith('https://') ? html`<a href="${c.loginUrl}">${c.loginUrl}</a>` : html`<code>${c.loginUrl}</code>`}</td></tr>`)}</tbody>
</table>
<p><a href="/order/${orderId}">${t.back}</a></p>`);
}

function renderPortalForm(texts: Texts, orderId: string, email: string | undefined, error: string | undefined): SafeHtml {
  const t = texts.status.portal;
  return html`<h2 id="billing">${t.heading}</h2>
<p>${t.intro}</p>
<form method="post" action="/order/${orderId}/billing-portal" novalidate>${csrfField()}
${field({ name: 'email', label: t.email, type: 'email', value: email, autocomplete: 'email' })}
${field({ name: 'password', label: t.password, type: 'password', autocomplete: 'current-password', error })}
<button type="submit">${t.submit}</button>
</form>`;
}


/** A page with a heading and a sentence: not found, invitation invalid, and the like. */
export function renderMessagePage(texts: Texts, title: string | SafeHtml, body: string | SafeHtml): SafeHtml {
  return layout(texts, title, html`<h1>${title}</h1>
<p>${body}</p>
<p><a href="/">${texts.orderForm.title}</a></p>`);
}
