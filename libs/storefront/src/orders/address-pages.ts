import { type CheckResult, displayDomain, type DomainView, fixLine, type OwnerAddressesView, type RecordRequirement } from '#provisioning';
import type { Texts } from '../texts/en.js';
import { dateTime } from '../web/dates.js';
import { fill, html, type SafeHtml } from '../web/html.js';
import { csrfField } from '../web/page-context.js';
import { field } from '../web/layout.js';

/**
 * The "Your addresses" part of the order page. Without a signed-in owner it is the sign-in
 * form only (the records carry the owner's verification token); with one, the domains, the
 * records to create, the add/check/remove buttons and the readiness checks, all in one form
 * that asks for the password again on every action.
 */
export interface AddressesSection {
  /** Set once an owner signed in (this request): what the page shows. */
  view?: OwnerAddressesView;
  email?: string;
  /** Next to the password field: the sign-in failed. */
  signInError?: string;
  /** Next to the domain field: the name was refused. */
  domainError?: string;
  domainValue?: string;
  /** What the last action did. */
  message?: string;
  /** Why the last action did nothing. */
  problem?: string;
}

const paths = (orderId: string) => ({
  show: `/order/${orderId}/addresses`,
  add: `/order/${orderId}/domains`,
  verify: (name: string) => `/order/${orderId}/domains/${encodeURIComponent(name)}/verify`,
  remove: (name: string) => `/order/${orderId}/domains/${encodeURIComponent(name)}/remove`,
  readiness: `/order/${orderId}/readiness`,
});

export function renderAddresses(texts: Texts, orderId: string, section: AddressesSection): SafeHtml {
  const t = texts.addresses;
  const to = paths(orderId);
  const { view } = section;
  // the first button of a form is what Enter presses: adding a domain once signed in, signing in before
  const credentials = html`${field({ name: 'email', id: 'addresses-email', label: t.signIn.email, type: 'email', value: section.email, autocomplete: 'email' })}
${field({ name: 'password', id: 'addresses-password', label: t.signIn.password, type: 'password', autocomplete: 'current-password', error: section.signInError, hint: view ? t.signIn.again : undefined })}`;
  return html`<section class="addresses" aria-labelledby="addresses">
<h2 id="addresses">${t.heading}</h2>
<p>${t.intro}</p>
${section.message ? html`<p class="status" role="status">${section.message}</p>` : null}
${section.problem ? html`<p class="status problem" role="alert">${section.problem}</p>` : null}
${view
  ? html`<form method="post" action="${to.show}" novalidate>${csrfField()}
${credentials}
<fieldset>
  <legend>${t.add.legend}</legend>
  ${field({ name: 'domain', label: t.add.label, hint: t.add.hint, error: section.domainError, value: section.domainValue, autocomplete: 'off', maxlength: 253 })}
  <button type="submit" formaction="${to.add}">${t.add.submit}</button>
</fieldset>
${view.domains.map((domain) => renderDomain(texts, domain, to))}
${renderReadiness(texts, view.readiness, to.readiness)}
</form>`
  : html`<p>${t.signIn.intro}</p>
<form method="post" action="${to.show}" novalidate>${csrfField()}
${credentials}
<button type="submit">${t.signIn.show}</button>
</form>`}
</section>`;
}

function renderDomain(texts: Texts, domain: DomainView, to: ReturnType<typeof paths>): SafeHtml {
  const t = texts.addresses;
  const custom = domain.kind === 'custom';
  const state = custom ? (t.states[domain.state] ?? domain.state) : t.subdomainState;
  // a verified domain needs nothing more; the chat's SRV records are shown wherever they belong
  const shown = domain.records.filter((record) => (custom && domain.state !== 'verified') || record.purpose.startsWith('xmpp-'));
  return html`<div class="domain" data-domain="${domain.name}" data-state="${domain.state}">
<h3>${domain.display}${domain.isPrimary ? html` <span class="note">(${t.main})</span>` : null}</h3>
<p>${t.kinds[domain.kind] ?? domain.kind}: ${state}, ${domain.served ? t.served : t.notServed}.</p>
${domain.state === 'flagged' && domain.withdrawalDue ? html`<p class="status warning">${fill(t.withdrawalDue, { date: dateTime(texts, domain.withdrawalDue) })}</p>` : null}
${domain.state !== 'verified' && domain.releaseDue ? html`<p>${fill(t.releaseDue, { date: dateTime(texts, domain.releaseDue) })}</p>` : null}
${shown.length ? renderRecords(texts, domain, shown) : null}
${custom ? html`<p class="actions"><button type="submit" formaction="${to.verify(domain.name)}">${t.check.submit}</button>
${domain.isPrimary ? null : html`<button type="submit" class="secondary" formaction="${to.remove(domain.name)}">${t.check.remove}</button>`}</p>` : null}
</div>`;
}

function renderRecords(texts: Texts, domain: DomainView, requirements: readonly RecordRequirement[]): SafeHtml {
  const t = texts.addresses.records;
  const byClub = requirements.some((requirement) => requirement.managedBy === 'club');
  return html`<p>${byClub ? t.club : t.cooperative}${byClub ? html` ${t.hint}` : null}</p>
<table class="records">
  <caption>${fill(t.caption, { domain: domain.display })}</caption>
  <thead><tr><th scope="col">${t.purpose}</th><th scope="col">${t.type}</th><th scope="col">${t.name}</th><th scope="col">${t.value}</th></tr></thead>
  <tbody>${requirements.map((requirement) =>
    requirement.options.map((option, index) =>
      option.map((record, row) => html`<tr>
    <td>${row === 0 ? (index === 0 ? html`${t.purposes[requirement.purpose] ?? requirement.purpose}${requirement.required ? null : html` ${t.optional}`}` : t.or) : null}</td>
    <td><code>${record.type}</code></td><td><code>${displayDomain(record.name)}</code></td><td><code>${record.value}</code></td>
  </tr>`),
    ),
  )}</tbody>
</table>`;
}

function renderReadiness(texts: Texts, report: OwnerAddressesView['readiness'], action: string): SafeHtml {
  const t = texts.addresses.readiness;
  const problems = report?.results.filter((result) => result.status !== 'ok') ?? [];
  const summary = !report
    ? t.never
    : fill(problems.length ? t.summaryProblems : t.summaryOk, { date: dateTime(texts, report.checkedAt), problems: problems.length, total: report.results.length });
  return html`<h3 id="readiness">${t.heading}</h3>
<p>${t.intro}</p>
<p>${summary}</p>
${report && report.results.length ? html`<table class="readiness">
  <thead><tr><th scope="col">${t.check}</th><th scope="col">${t.subject}</th><th scope="col">${t.outcome}</th><th scope="col">${t.whatToChange}</th></tr></thead>
  <tbody>${report.results.map((result) => renderCheck(texts, result))}</tbody>
</table>` : null}
<button type="submit" formaction="${action}">${t.run}</button>`;
}

function renderCheck(texts: Texts, result: CheckResult): SafeHtml {
  const t = texts.addresses.readiness;
  return html`<tr class="${result.status}" data-check="${result.check}">
    <td>${t.checks[result.check] ?? result.check}</td><td>${displayDomain(result.subject)}</td><td>${t.statuses[result.status] ?? result.status}</td>
    <td>${result.status === 'ok' ? null : html`<code>${fixLine(result)}</code>`}</td>
  </tr>`;
}
