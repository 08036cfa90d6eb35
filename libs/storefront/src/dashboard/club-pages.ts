import { createHash } from 'node:crypto';
import type { ClubOrder } from '#billing';
import type { ClubApp, ClubInstance, RevealedCredential } from '#provisioning';
import type { Texts } from '../texts/en.js';
import { day } from '../orders/order-pages.js';
import { money, planWords } from '../orders/plan-words.js';
import { dateTime } from '../web/dates.js';
import { fill, html, type SafeHtml } from '../web/html.js';
import { errorSummary, field, layout } from '../web/layout.js';
import { csrfField } from '../web/page-context.js';
import { type ClubSummary, type ClubView, SEES_BILLING } from './club-dashboard.js';

/** The parts of the dashboard that the live stream replaces when they change. */
export type LiveSection = 'apps' | 'members' | 'billing';
export const LIVE_SECTIONS: readonly LiveSection[] = ['apps', 'members', 'billing'];

/** What the page says besides the club's state: the result of the last action, and the forms' input and errors. */
export interface ClubPageState {
  email: string;
  emailVerified: boolean;
  verificationSent?: boolean;
  /** What the last action did (after its redirect). */
  notice?: string;
  /** Why the last action did nothing. */
  problem?: string;
  invite?: { email?: string; role?: string; errors: { email?: string; role?: string } };
  plan?: { orderId: string; value?: string; error?: string };
}

export const clubPath = (organizationId: string) => `/clubs/${organizationId}`;

/** A short fingerprint of a live part, so the page and the stream agree on what is shown. */
export function liveHash(content: SafeHtml): string {
  return createHash('sha256').update(content.toString()).digest('hex').slice(0, 16);
}

/** The banner of an account whose address is not confirmed yet: it may look, not act. */
function verificationBanner(texts: Texts, state: Pick<ClubPageState, 'email' | 'emailVerified' | 'verificationSent'>): SafeHtml | null {
  if (state.emailVerified) return null;
  const t = texts.session.verify;
  return html`<div class="status warning" role="status">
<p>${fill(t.banner, { email: state.email })}</p>
${state.verificationSent ? html`<p>${fill(t.resent, { email: state.email })}</p>` : null}
<form method="post" action="/account/verification">${csrfField()}<button type="submit" class="secondary">${t.resend}</button></form>
</div>`;
}

export function renderClubsPage(texts: Texts, clubs: ClubSummary[], state: Pick<ClubPageState, 'email' | 'emailVerified' | 'verificationSent'>): SafeHtml {
  const t = texts.dashboard.clubs;
  return layout(
    texts,
    t.title,
    html`<h1>${t.title}</h1>
${verificationBanner(texts, state)}
<p>${t.intro}</p>
${clubs.length === 0
  ? html`<p>${t.none}</p><p><a class="button" href="/">${t.order}</a></p>`
  : html`<ul class="clubs">${clubs.map(
      (club) => html`<li class="club" data-club="${club.id}">
  <h2><a href="${clubPath(club.id)}">${club.name}</a></h2>
  <p>${fill(t.role, { role: texts.invitation.roles[club.role] ?? club.role })}</p>
  ${club.apps.length
    ? html`<ul>${club.apps.map((app) => html`<li>${fill(t.app, { app: texts.apps[app.app] ?? app.app, state: appStateWords(texts, app.tenantState, app.state) })}</li>`)}</ul>`
    : html`<p>${t.noApps}</p>`}
</li>`,
    )}</ul>`}`,
  );
}

/** An app's state as the club reads it: before the apps run (or after), the instance's state says more. */
function appStateWords(texts: Texts, tenantState: string, appState: string): string {
  return texts.dashboard.clubs.tenantStates[tenantState] ?? texts.dashboard.apps.appStates[appState] ?? appState;
}

export function renderClubPage(texts: Texts, view: ClubView, state: ClubPageState): SafeHtml {
  const t = texts.dashboard;
  const live = liveSections(texts, view);
  const container = (section: LiveSection, content: SafeHtml) => html`<div data-live="${section}" data-live-hash="${liveHash(content)}">${content}</div>`;
  const known = LIVE_SECTIONS.filter((section) => live[section]).map((section) => `${section}.${liveHash(live[section]!)}`).join(',');
  const role = view.role;
  return layout(
    texts,
    view.organization.name,
    html`<noscript><meta http-equiv="refresh" content="15"></noscript>
<h1>${view.organization.name}</h1>
${role ? html`<p>${fill(t.role, { role: texts.invitation.roles[role] ?? role })}</p>` : null}
${verificationBanner(texts, state)}
${state.notice ? html`<p class="status" role="status" id="club-notice">${state.notice}</p>` : null}
${state.problem ? html`<p class="status problem" role="alert" id="club-problem">${state.problem}</p>` : null}
<p class="note live-note" data-live-events="${clubPath(view.organization.id)}/events?known=${known}" hidden>${t.live}</p>
<nav aria-label="${view.organization.name}"><ul class="sections">
  <li><a href="#club-apps">${t.sections.apps}</a></li>
  <li><a href="#club-members">${t.sections.members}</a></li>
  ${live.billing ? html`<li><a href="#club-billing">${t.sections.billing}</a></li>` : null}
</ul></nav>
<section id="club-apps" aria-labelledby="club-apps-heading">
<h2 id="club-apps-heading">${t.sections.apps}</h2>
${container('apps', live.apps)}
</section>
<section id="club-members" aria-labelledby="club-members-heading">
<h2 id="club-members-heading">${t.sections.members}</h2>
${container('members', live.members)}
${renderRoles(texts)}
${role === 'owner' ? renderInviteForm(texts, view, state) : null}
</section>
${live.billing
  ? html`<section id="club-billing" aria-labelledby="club-billing-heading">
<h2 id="club-billing-heading">${t.sections.billing}</h2>
${container('billing', live.billing)}
${role === 'owner' ? renderPlanChange(texts, view, state) : null}
</section>`
  : null}`,
  );
}

/** The parts that change by themselves (state, progress, lists): the page shows them, the stream sends them again when they change. */
export function liveSections(texts: Texts, view: ClubView): Record<LiveSection, SafeHtml | null> & { apps: SafeHtml; members: SafeHtml } {
  return {
    apps: renderApps(texts, view),
    members: renderMembers(texts, view),
    billing: view.billing ? renderBilling(texts, view, view.billing) : null,
  };
}

// ---------------------------------------------------------------- apps

function addressOf(domain: string, httpsPort: number): string {
  return `https://${domain}${httpsPort !== 443 ? `:${httpsPort}` : ''}`;
}

function renderApps(texts: Texts, view: ClubView): SafeHtml {
  const t = texts.dashboard.apps;
  if (view.instances.length === 0) return html`<p>${t.none}</p>`;
  return html`${view.instances.map((instance) => renderInstance(texts, view, instance))}`;
}

function renderInstance(texts: Texts, view: ClubView, instance: ClubInstance): SafeHtml {
  const t = texts.dashboard.apps;
  const { tenant } = instance;
  const domain = instance.domains[0] ?? tenant.primaryDomain;
  const address = domain ? addressOf(domain, view.settings.httpsPort) : null;
  const plan = view.plans.get(tenant.planId);
  const stateDate = tenant.state === 'past_due' ? tenant.graceEndsAt : tenant.deleteDataAfter;
  const waiting = tenant.state === 'ordered' || tenant.state === 'awaiting_payment';
  const orderId = view.orderOfTenant.get(tenant.id);
  const running = tenant.state === 'active' || tenant.state === 'past_due';
  const owner = view.role === 'owner';
  const tone = tenant.state === 'suspended' || tenant.state === 'failed' ? ' problem' : tenant.state === 'past_due' || tenant.state === 'terminating' ? ' warning' : '';
  return html`<article class="instance" data-tenant="${tenant.id}" data-state="${tenant.state}" aria-labelledby="instance-${tenant.id}">
<h3 id="instance-${tenant.id}">${domain ?? tenant.slug}</h3>
<p class="status${tone}">${fill(t.tenantStates[tenant.state] ?? tenant.state, { date: day(texts, stateDate) })}</p>
<dl class="summary">
  ${plan ? html`<dt>${texts.dashboard.billing.plan}</dt><dd>${planWords(texts, plan).name}</dd>` : null}
  ${address ? html`<dt>${texts.status.summary.address}</dt><dd>${address}</dd>` : null}
</dl>
${waiting ? html`<p>${t.waiting}${orderId ? html` <a href="/order/${orderId}">${t.orderPage}</a>` : null}</p>` : null}
${renderOperation(texts, instance)}
${instance.apps.map((app) => renderApp(texts, view, instance, app, address, owner && running))}
${instance.apps.length ? renderBackups(texts, instance) : null}
${instance.apps.length ? renderReadiness(texts, instance, orderId) : null}
${owner && instance.apps.length ? renderExports(texts, view, instance) : null}
</article>`;
}

function renderOperation(texts: Texts, instance: ClubInstance): SafeHtml | null {
  const operation = instance.operation;
  if (!operation || (operation.state !== 'queued' && operation.state !== 'running')) return null;
  const t = texts.dashboard.apps;
  const id = `progress-${instance.tenant.id}`;
  return html`<div class="operation" data-operation="${operation.id}" data-kind="${operation.kind}">
<label for="${id}">${fill(t.progress, { operation: t.operations[operation.kind] ?? operation.kind, progress: operation.progress })}</label>
<progress id="${id}" max="100" value="${operation.progress}">${operation.progress} %</progress>
<ol class="steps">${operation.steps.map((step) => html`<li class="${step.state}">${step.title} <span>(${texts.status.stepStates[step.state] ?? step.state})</span></li>`)}</ol>
</div>`;
}

/** Where "Open" leads: a web app's site, or the chat server for an XMPP app (its login says which). */
function openLink(app: ClubApp, domain: string | null, address: string | null): string | null {
  const login = app.admin?.loginUrl;
  if (login?.startsWith('https://')) {
    try {
      return new URL(login).origin;
    } catch {
      return address;
    }
  }
  if (login?.startsWith('xmpp:') && domain) return `xmpp:${domain}`;
  return address;
}

function renderApp(texts: Texts, view: ClubView, instance: ClubInstance, app: ClubApp, address: string | null, mayReset: boolean): SafeHtml {
  const t = texts.dashboard.apps;
  const name = texts.apps[app.app] ?? app.app;
  const domain = instance.domains[0] ?? instance.tenant.primaryDomain;
  const open = openLink(app, domain, address);
  const action = `${clubPath(view.organization.id)}/tenants/${instance.tenant.id}/apps/${encodeURIComponent(app.app)}/admin-password`;
  return html`<div class="app" data-app="${app.app}" data-state="${app.state}" data-health="${app.health}">
<h4>${name}</h4>
${open && (app.state === 'running' || app.state === 'unhealthy') ? html`<p><a class="button" href="${open}">${fill(t.open, { app: name })}</a></p>` : null}
<dl class="summary">
  <dt>${t.state}</dt><dd>${t.appStates[app.state] ?? app.state}</dd>
  <dt>${t.health}</dt><dd>${t.healths[app.health] ?? app.health}${app.health !== 'healthy' && app.healthDetail ? html` <span class="note">(${app.healthDetail})</span>` : null}</dd>
  <dt>${t.version}</dt><dd>${app.version}</dd>
  <dt>${t.storage}</dt><dd>${app.storageBytes !== null ? fill(t.storageValue, { size: bytes(texts, app.storageBytes) }) : t.storageUnknown}</dd>
  ${app.admin ? html`<dt>${t.admin}</dt><dd><code>${app.admin.username}</code>. ${app.admin.revealedAt ? fill(t.adminShown, { date: dateTime(texts, app.admin.revealedAt) }) : t.adminNotShown}</dd>` : null}
</dl>
${mayReset && app.canResetPassword && (app.state === 'running' || app.state === 'unhealthy')
  ? html`<form method="post" action="${action}" class="reset">${csrfField()}
<p class="hint" id="reset-hint-${instance.tenant.id}-${app.app}">${t.resetHint}</p>
<button type="submit" class="secondary" aria-describedby="reset-hint-${instance.tenant.id}-${app.app}">${fill(t.reset, { app: name })}</button>
</form>`
  : null}
</div>`;
}

function renderBackups(texts: Texts, instance: ClubInstance): SafeHtml {
  const t = texts.status.backups;
  const { backups } = instance;
  return html`<h4>${texts.dashboard.backups.heading}</h4>
<p>${backups.lastSuccessfulBackupAt ? fill(t.lastBackup, { date: dateTime(texts, backups.lastSuccessfulBackupAt) }) : t.noBackup}</p>
<p>${backups.lastVerifiedRestoreAt ? fill(t.lastVerified, { date: dateTime(texts, backups.lastVerifiedRestoreAt) }) : t.notVerified}</p>
${backups.nextBackupAt ? html`<p>${fill(texts.dashboard.backups.next, { date: dateTime(texts, backups.nextBackupAt) })}</p>` : null}`;
}

function renderReadiness(texts: Texts, instance: ClubInstance, orderId: string | undefined): SafeHtml {
  const t = texts.addresses.readiness;
  const report = instance.readiness;
  const problems = report?.results.filter((result) => result.status !== 'ok') ?? [];
  const summary = !report
    ? t.never
    : fill(problems.length ? t.summaryProblems : t.summaryOk, { date: dateTime(texts, report.checkedAt), problems: problems.length, total: report.results.length });
  return html`<h4>${texts.dashboard.readiness.heading}</h4>
<p>${summary}</p>
${problems.length
  ? html`<ul class="readiness-problems">${problems.map((result) => html`<li data-check="${result.check}">${t.checks[result.check] ?? result.check} (${result.subject}): ${t.statuses[result.status] ?? result.status}</li>`)}</ul>`
  : null}
<p class="note">${texts.dashboard.readiness.manage}${orderId ? html` <a href="/order/${orderId}#addresses">${texts.dashboard.apps.orderPage}</a>` : null}</p>`;
}

function renderExports(texts: Texts, view: ClubView, instance: ClubInstance): SafeHtml {
  const t = texts.dashboard.exports;
  const base = `${clubPath(view.organization.id)}/tenants/${instance.tenant.id}/exports`;
  const exportable = ['active', 'past_due', 'suspended', 'terminating'].includes(instance.tenant.state);
  const busy = instance.exports.some((row) => row.state === 'pending' || row.state === 'running');
  return html`<h4>${t.heading}</h4>
<p>${t.intro}</p>
${instance.exports.length
  ? html`<table class="list exports">
  <thead><tr><th scope="col">${t.made}</th><th scope="col">${t.state}</th><th scope="col">${t.size}</th><th scope="col"><span class="visually-hidden">${t.download}</span></th></tr></thead>
  <tbody>${instance.exports.map(
    (row) => html`<tr data-export="${row.id}" data-state="${row.state}">
    <td>${dateTime(texts, row.createdAt)}</td>
    <td>${t.states[row.state] ?? row.state}${row.state === 'completed' && row.expiresAt ? html` (${fill(t.keptUntil, { date: day(texts, row.expiresAt) })})` : null}</td>
    <td>${row.sizeBytes !== null ? bytes(texts, row.sizeBytes) : ''}</td>
    <td>${row.state === 'completed' ? html`<a href="${base}/${row.id}" download aria-label="${fill(t.downloadLabel, { date: dateTime(texts, row.createdAt) })}">${t.download}</a>` : null}</td>
  </tr>`,
  )}</tbody>
</table>`
  : html`<p>${t.none}</p>`}
${exportable && !busy ? html`<form method="post" action="${base}">${csrfField()}<button type="submit" class="secondary">${t.start}</button></form>` : null}`;
}

function bytes(texts: Texts, count: number): string {
  const [unit, value] = count >= 1e9 ? ['gigabyte', count / 1e9] : count >= 1e6 ? ['megabyte', count / 1e6] : ['kilobyte', Math.max(count / 1e3, 0.1)];
  return new Intl.NumberFormat(texts.locale, { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
}

// ---------------------------------------------------------------- members

function renderMembers(texts: Texts, view: ClubView): SafeHtml {
  const t = texts.dashboard.members;
  const owner = view.role === 'owner';
  const base = clubPath(view.organization.id);
  const roleWord = (role: string) => texts.invitation.roles[role] ?? role;
  return html`<table class="list members">
  <thead><tr><th scope="col">${t.email}</th><th scope="col">${t.role}</th><th scope="col">${t.since}</th>${owner ? html`<th scope="col"><span class="visually-hidden">${t.remove}</span></th>` : null}</tr></thead>
  <tbody>${view.members.map(
    (member) => html`<tr data-member="${member.id}">
    <td>${member.email}${member.accountId === view.viewer.accountId ? html` ${t.you}` : null}</td>
    <td>${roleWord(member.role)}</td>
    <td>${day(texts, member.createdAt)}</td>
    ${owner
      ? html`<td>${member.accountId === view.viewer.accountId
          ? null
          : html`<form method="post" action="${base}/members/${member.id}/remove" class="inline">${csrfField()}<button type="submit" class="secondary" aria-label="${fill(t.removeLabel, { email: member.email })}">${t.remove}</button></form>`}</td>`
      : null}
  </tr>`,
  )}</tbody>
</table>
${view.invitations
  ? html`<h3>${t.invitations}</h3>
${view.invitations.length
  ? html`<table class="list invitations">
  <thead><tr><th scope="col">${t.email}</th><th scope="col">${t.role}</th><th scope="col">${t.validUntil}</th><th scope="col"><span class="visually-hidden">${t.revoke}</span></th></tr></thead>
  <tbody>${view.invitations.map(
    (invitation) => html`<tr data-invitation="${invitation.id}">
    <td>${invitation.email}</td><td>${roleWord(invitation.role)}</td><td>${day(texts, invitation.expiresAt)}</td>
    <td><form method="post" action="${base}/invitations/${invitation.id}/revoke" class="inline">${csrfField()}<button type="submit" class="secondary" aria-label="${fill(t.revokeLabel, { email: invitation.email })}">${t.revoke}</button></form></td>
  </tr>`,
  )}</tbody>
</table>`
  : html`<p>${t.noInvitations}</p>`}`
  : null}`;
}

function renderRoles(texts: Texts): SafeHtml {
  const t = texts.dashboard.roles;
  const roles = texts.invitation.roles;
  return html`<h3>${t.heading}</h3>
<dl class="roles">
  <dt>${roles.owner}</dt><dd>${t.owner}</dd>
  <dt>${roles.billing}</dt><dd>${t.billing}</dd>
  <dt>${roles.member}</dt><dd>${t.member}</dd>
</dl>`;
}

function renderInviteForm(texts: Texts, view: ClubView, state: ClubPageState): SafeHtml {
  const t = texts.dashboard.members.invite;
  const values = state.invite ?? { errors: {} };
  const errors = values.errors;
  const summary = [errors.email ? { field: 'invite-email', message: errors.email } : null, errors.role ? { field: 'invite-role-billing', message: errors.role } : null].filter(
    (entry): entry is { field: string; message: string } => entry !== null,
  );
  const role = values.role === 'member' ? 'member' : values.role === 'billing' ? 'billing' : '';
  return html`<form method="post" action="${clubPath(view.organization.id)}/invitations" novalidate id="invite">${csrfField()}
${errorSummary(texts.orderForm.errorSummary, summary)}
<fieldset>
  <legend>${t.legend}</legend>
  <p>${t.intro}</p>
  ${field({ name: 'email', id: 'invite-email', label: t.email.label, hint: t.email.hint, error: errors.email, value: values.email, type: 'email', autocomplete: 'off', maxlength: 254 })}
  <fieldset class="choices${errors.role ? ' has-error' : ''}"${errors.role ? html` aria-describedby="invite-role-error"` : null}>
    <legend>${t.role}</legend>
    ${errors.role ? html`<p class="error" id="invite-role-error">${errors.role}</p>` : null}
    ${(['billing', 'member'] as const).map(
      (option) => html`<div class="choice"><input type="radio" name="role" id="invite-role-${option}" value="${option}"${role === option ? html` checked` : null}>
    <label for="invite-role-${option}">${texts.invitation.roles[option]}: ${texts.dashboard.roles[option]}</label></div>`,
    )}
  </fieldset>
  <button type="submit">${t.submit}</button>
</fieldset>
</form>`;
}

// ---------------------------------------------------------------- billing

function renderBilling(texts: Texts, view: ClubView, orders: ClubOrder[]): SafeHtml {
  const t = texts.dashboard.billing;
  if (orders.length === 0) return html`<p>${t.none}</p>`;
  const manual = orders.filter((entry) => entry.order.paymentProvider === 'manual');
  return html`${orders.filter((entry) => entry.order.state !== 'expired').map((entry) => renderOrder(texts, view, entry))}
${manual.length ? renderInvoices(texts, view, manual) : null}`;
}

function renderOrder(texts: Texts, view: ClubView, entry: ClubOrder): SafeHtml {
  const t = texts.dashboard.billing;
  const { order, plan, subscription } = entry;
  const base = `${clubPath(view.organization.id)}/orders/${order.id}`;
  const owner = view.role === 'owner';
  const mayPortal = view.role !== null && SEES_BILLING.includes(view.role);
  const stateWord = subscription ? (t.subscriptionStates[subscription.status] ?? subscription.status) : (t.orderStates[order.state] ?? order.state);
  return html`<article class="order" data-order="${order.id}" data-state="${order.state}" data-subscription="${subscription?.status ?? ''}" aria-labelledby="order-${order.id}">
<h3 id="order-${order.id}">${planWords(texts, plan).name} <span class="note">(${order.reference})</span></h3>
<dl class="summary">
  <dt>${t.price}</dt><dd>${fill(texts.orderForm.planPrice, { price: money(texts, order.amountCents, order.currency), interval: texts.intervals[plan.interval] ?? plan.interval })}</dd>
  <dt>${t.state}</dt><dd>${stateWord}</dd>
  ${entry.nextPaymentAt ? html`<dt>${t.nextPayment}</dt><dd>${day(texts, entry.nextPaymentAt)}</dd>` : null}
  <dt>${t.reference}</dt><dd><code>${order.reference}</code></dd>
</dl>
${entry.endsAt
  ? html`<div class="status warning" data-ends="${entry.endsAt.toISOString()}">
<p>${fill(t.endsOn, { date: day(texts, entry.endsAt), deleteDate: day(texts, deletionOf(view, entry)) })}</p>
${owner && entry.cancellable
  ? html`<form method="post" action="${base}/keep">${csrfField()}<p>${fill(t.withdraw.intro, { date: day(texts, entry.endsAt) })}</p><button type="submit" class="secondary">${t.withdraw.submit}</button></form>`
  : null}
</div>`
  : null}
${entry.hasPortal && mayPortal
  ? html`<form method="post" action="${clubPath(view.organization.id)}/billing-portal"><p>${t.portal.intro}</p>${csrfField()}<button type="submit" class="secondary">${t.portal.submit}</button></form>`
  : null}
${owner && entry.cancellable && !entry.endsAt ? html`<p><a href="${base}/cancel">${t.cancel.link}</a></p>` : null}
</article>`;
}

/** The date the data goes when the service ends then: the page shows what the letter says. */
function deletionOf(view: ClubView, entry: ClubOrder): Date | null {
  return entry.endsAt ? new Date(entry.endsAt.getTime() + view.settings.retentionDays * 86_400_000) : null;
}

function renderInvoices(texts: Texts, view: ClubView, orders: ClubOrder[]): SafeHtml {
  const t = texts.dashboard.billing;
  return html`<h3>${t.manual.heading}</h3>
<p>${t.manual.intro}</p>
<dl class="summary"><dt>${t.manual.account}</dt><dd>${view.settings.bankAccount ?? texts.status.bank.noAccount}</dd></dl>
<table class="list invoices">
  <thead><tr><th scope="col">${t.reference}</th><th scope="col">${t.plan}</th><th scope="col">${t.amount}</th><th scope="col">${t.ordered}</th><th scope="col">${t.paidOn}</th><th scope="col">${t.state}</th><th scope="col">${t.paidUntil}</th></tr></thead>
  <tbody>${orders.map(
    ({ order, plan, subscription }) => html`<tr data-order="${order.id}">
    <td><code>${order.reference}</code></td><td>${planWords(texts, plan).name}</td><td>${money(texts, order.amountCents, order.currency)}</td>
    <td>${day(texts, order.createdAt)}</td><td>${day(texts, order.paidAt)}</td>
    <td>${subscription ? (t.subscriptionStates[subscription.status] ?? subscription.status) : (t.orderStates[order.state] ?? order.state)}</td>
    <td>${day(texts, subscription?.currentPeriodEnd)}</td>
  </tr>`,
  )}</tbody>
</table>`;
}

function renderPlanChange(texts: Texts, view: ClubView, state: ClubPageState): SafeHtml | null {
  const t = texts.dashboard.billing.change;
  const changeable = (view.billing ?? []).filter((entry) => entry.switchablePlans.length > 0);
  if (changeable.length === 0) return null;
  return html`${changeable.map((entry) => {
    const error = state.plan?.orderId === entry.order.id ? state.plan.error : undefined;
    const chosen = state.plan?.orderId === entry.order.id ? state.plan.value : undefined;
    const first = `plan-${entry.order.id}-${entry.switchablePlans[0].code}`;
    return html`<form method="post" action="${clubPath(view.organization.id)}/orders/${entry.order.id}/plan" novalidate id="plan-${entry.order.id}">${csrfField()}
${errorSummary(texts.orderForm.errorSummary, error ? [{ field: first, message: error }] : [])}
<fieldset${error ? html` aria-describedby="plan-${entry.order.id}-error"` : null}>
  <legend>${t.legend}</legend>
  <p>${fill(t.intro, { date: day(texts, entry.nextPaymentAt) })}</p>
  ${error ? html`<p class="error" id="plan-${entry.order.id}-error">${error}</p>` : null}
  ${entry.switchablePlans.map(
    (plan) => html`<div class="choice"><input type="radio" name="plan" id="plan-${entry.order.id}-${plan.code}" value="${plan.code}"${chosen === plan.code ? html` checked` : null}>
  <label for="plan-${entry.order.id}-${plan.code}">${planWords(texts, plan).name}: ${fill(texts.orderForm.planPrice, { price: money(texts, plan.priceCents, plan.currency), interval: texts.intervals[plan.interval] ?? plan.interval })}</label></div>`,
  )}
  <button type="submit">${t.submit}</button>
</fieldset>
</form>`;
  })}`;
}

// ---------------------------------------------------------------- cancel, reset

export interface CancelPage {
  organizationId: string;
  club: string;
  orderId: string;
  endsAt: Date;
  deleteAfter: Date;
  error?: string;
}

export function renderCancelPage(texts: Texts, page: CancelPage): SafeHtml {
  const t = texts.dashboard.billing.cancel;
  const title = fill(t.title, { club: page.club });
  const ends = day(texts, page.endsAt);
  return layout(
    texts,
    title,
    html`<h1>${title}</h1>
${errorSummary(texts.orderForm.errorSummary, page.error ? [{ field: 'confirm', message: page.error }] : [])}
<p>${t.intro}</p>
<ul>
  <li>${fill(t.endsOn, { date: ends })}</li>
  <li>${fill(t.deletion, { date: day(texts, page.deleteAfter) })}</li>
  <li>${t.export}</li>
  <li>${fill(t.undo, { date: ends })}</li>
</ul>
<form method="post" action="${clubPath(page.organizationId)}/orders/${page.orderId}/cancel" novalidate>${csrfField()}
<div class="field${page.error ? ' has-error' : ''}">
  ${page.error ? html`<p class="error" id="confirm-error">${page.error}</p>` : null}
  <div class="choice"><input type="checkbox" id="confirm" name="confirm" value="yes"${page.error ? html` aria-invalid="true" aria-describedby="confirm-error"` : null}>
  <label for="confirm">${fill(t.confirm, { date: ends })}</label></div>
</div>
<button type="submit">${t.submit}</button>
</form>
<p><a href="${clubPath(page.organizationId)}#club-billing">${t.back}</a></p>`,
  );
}

/** The new admin password, once: not stored in clear anywhere, never in a URL. */
export function renderResetResultPage(texts: Texts, organizationId: string, credential: RevealedCredential): SafeHtml {
  const t = texts.dashboard.resetResult;
  const title = fill(t.title, { app: texts.apps[credential.app] ?? credential.app });
  return layout(
    texts,
    title,
    html`<h1>${title}</h1>
<p class="status warning" role="alert">${t.intro}</p>
<dl class="summary credentials" data-app="${credential.app}">
  <dt>${t.username}</dt><dd><code>${credential.username}</code></dd>
  <dt>${t.password}</dt><dd><code class="secret">${credential.password}</code></dd>
  <dt>${t.where}</dt><dd>${credential.loginUrl.startsWith('https://') ? html`<a href="${credential.loginUrl}">${credential.loginUrl}</a>` : html`<code>${credential.loginUrl}</code>`}</dd>
</dl>
<p><a href="${clubPath(organizationId)}#club-apps">${t.back}</a></p>`,
  );
}
