import type { AwaitingPaymentRow } from '#billing';
import type { AuditEntryView } from '#domain';
import type { Page } from '#platform';
import type { FleetHostRow, FleetOperation, FleetOperationRow, FleetTenantDetail, FleetTenantRow, TenantFilter } from '#provisioning';
import type { Texts } from '../texts/en.js';
import { fill, html, type SafeHtml } from '../web/html.js';
import { attribute, errorSummary, layout } from '../web/layout.js';
import { csrfField } from '../web/page-context.js';

/**
 * The operators' console: server-rendered lists a page at a time (a "next page" link carries
 * the cursor), and one-click actions as small forms that post with the page's form token.
 * Shows no secret of a club: no admin password, no sealed secret, no backup key.
 */

export type ConsoleSection = 'index' | 'orders' | 'tenants' | 'hosts' | 'operations';

/** A field that could not be used, and its words (already in the page's language). */
export interface PageProblem {
  field: string;
  words: string;
}

/** A path with query parameters; empty values are left out. */
export function consoleHref(path: string, params: Record<string, string | null | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

function consolePage(texts: Texts, section: ConsoleSection, title: string, main: SafeHtml): SafeHtml {
  const t = texts.console.nav;
  const links: [ConsoleSection, string, string][] = [
    ['index', '/console', t.index],
    ['orders', '/console/orders', t.orders],
    ['tenants', '/console/tenants', t.tenants],
    ['hosts', '/console/hosts', t.hosts],
    ['operations', '/console/operations', t.operations],
  ];
  return layout(
    texts,
    title,
    html`<div class="console">
<nav class="console-nav" aria-label="${t.label}"><ul>${links.map(
      ([name, href, label]) => html`<li><a href="${href}"${name === section ? html` aria-current="page"` : null}>${label}</a></li>`,
    )}</ul></nav>
${main}
</div>`,
  );
}

function problemsOf(texts: Texts, problems: readonly PageProblem[]): SafeHtml | null {
  const t = texts.console;
  return errorSummary(
    t.problemsTitle,
    problems.map((problem) => ({ field: problem.field, message: fill(t.fieldProblem, { field: t.fields[problem.field] ?? problem.field, problem: problem.words }).toString() })),
  );
}

function notice(text: SafeHtml | string | null | undefined): SafeHtml | null {
  return text ? html`<p class="notice" role="status">${text}</p>` : null;
}

/** "Next page" (with the cursor of the last row shown) and, past the first page, the way back. */
function pager(texts: Texts, next: string | null, first: string | null): SafeHtml | null {
  if (!next && !first) return null;
  return html`<p class="pager" id="cursor">${first ? html`<a href="${first}">${texts.console.firstPage}</a>` : null}${next ? html` <a href="${next}" rel="next">${texts.console.nextPage}</a>` : null}</p>`;
}

/**
 * Formatters, made once per language: an Intl formatter costs far more to make than to use
 * (a page of 50 rows would otherwise spend most of its time making them).
 */
interface Formats {
  dateTime: Intl.DateTimeFormat;
  day: Intl.DateTimeFormat;
  weekday: Intl.DateTimeFormat;
  relative: Intl.RelativeTimeFormat;
  money: Map<string, Intl.NumberFormat>;
}

const FORMATS = new Map<string, Formats>();

function formatsOf(texts: Texts): Formats {
  let formats = FORMATS.get(texts.locale);
  if (!formats) {
    formats = {
      // as web/dates.ts says a moment: in UTC, and saying so
      dateTime: new Intl.DateTimeFormat(texts.locale, { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' }),
      day: new Intl.DateTimeFormat(texts.locale, { dateStyle: 'long', timeZone: 'UTC' }),
      weekday: new Intl.DateTimeFormat(texts.locale, { weekday: 'long', timeZone: 'UTC' }),
      relative: new Intl.RelativeTimeFormat(texts.locale, { numeric: 'auto' }),
      money: new Map(),
    };
    FORMATS.set(texts.locale, formats);
  }
  return formats;
}

function dateTime(texts: Texts, date: Date): string {
  return formatsOf(texts).dateTime.format(date);
}

function day(texts: Texts, date: Date | null): string {
  return date ? formatsOf(texts).day.format(date) : '';
}

function money(texts: Texts, cents: number, currency: string): string {
  const formats = formatsOf(texts).money;
  let format = formats.get(currency);
  if (!format) formats.set(currency, (format = new Intl.NumberFormat(texts.locale, { style: 'currency', currency })));
  return format.format(cents / 100);
}

function ago(texts: Texts, date: Date, now: Date): string {
  const days = Math.floor((now.getTime() - date.getTime()) / 86_400_000);
  const relative = formatsOf(texts).relative;
  if (days >= 1) return relative.format(-days, 'day');
  const hours = Math.floor((now.getTime() - date.getTime()) / 3_600_000);
  return hours >= 1 ? relative.format(-hours, 'hour') : relative.format(-Math.max(0, Math.floor((now.getTime() - date.getTime()) / 60_000)), 'minute');
}

function word(words: Record<string, string>, key: string | null | undefined): string {
  return key ? (words[key] ?? key) : '';
}

function table(caption: string, headings: readonly string[], rows: SafeHtml[]): SafeHtml {
  return html`<div class="table-scroll"><table class="records console-table">
<caption class="visually-hidden">${caption}</caption>
<thead><tr>${headings.map((heading) => html`<th scope="col">${heading}</th>`)}</tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

// ------------------------------------------------------------------ overview

export function renderConsoleIndex(texts: Texts): SafeHtml {
  const t = texts.console;
  const entries: [string, string, string][] = [
    ['/console/orders', t.nav.orders, t.index.orders],
    ['/console/tenants', t.nav.tenants, t.index.tenants],
    ['/console/hosts', t.nav.hosts, t.index.hosts],
    ['/console/operations', t.nav.operations, t.index.operations],
  ];
  return consolePage(texts, 'index', t.index.title, html`<h1>${t.index.title}</h1>
<p>${t.index.intro}</p>
<ul class="console-index">${entries.map(([href, label, about]) => html`<li><a href="${href}">${label}</a>: ${about}</li>`)}</ul>`);
}

// ------------------------------------------------------------------ orders awaiting payment

export interface OrdersPage {
  page: Page<AwaitingPaymentRow>;
  firstPage: boolean;
  /** A fresh idempotency key per row's form, so a double click records one payment. */
  keyFor: (orderId: string) => string;
  done?: { action: string; reference: string };
  problems?: PageProblem[];
  now: Date;
}

export function renderOrdersPage(texts: Texts, view: OrdersPage): SafeHtml {
  const t = texts.console.orders;
  const rows = view.page.items.map((order) => {
    const due =
      order.due === 'first' ? t.dueFirst : fill(order.due === 'renewal' ? t.dueRenewal : t.dueOverdue, { date: day(texts, order.periodEnd) }).toString();
    const hint = html`<span class="visually-hidden"> ${fill(t.markHint, { reference: order.reference })}</span>`;
    return html`<tr id="order-${order.id}">
<td class="nowrap">${order.reference}</td>
<td>${order.club?.name ?? texts.console.none}</td>
<td>${order.contactEmail ? html`<a href="mailto:${order.contactEmail}">${order.contactEmail}</a>` : texts.console.none}</td>
<td>${order.plan?.name ?? texts.console.none}</td>
<td class="nowrap">${money(texts, order.amountCents, order.currency)}</td>
<td><time datetime="${order.createdAt.toISOString()}" title="${dateTime(texts, order.createdAt)}">${ago(texts, order.createdAt, view.now)}</time></td>
<td>${due}</td>
<td class="actions"><form method="post" action="/console/orders/${order.id}/paid" class="inline">${csrfField()}<input type="hidden" name="key" value="${view.keyFor(order.id)}"><button type="submit">${t.markPaid}${hint}</button></form>
${order.due === 'renewal' ? html`<form method="post" action="/console/orders/${order.id}/overdue" class="inline">${csrfField()}<input type="hidden" name="key" value="${view.keyFor(`${order.id}:overdue`)}"><button type="submit" class="secondary">${t.markOverdue}${hint}</button></form>` : null}</td>
</tr>`;
  });
  const doneText = view.done && t.done[view.done.action] ? fill(t.done[view.done.action], { reference: view.done.reference }) : null;
  return consolePage(texts, 'orders', t.title, html`<h1>${t.title}</h1>
${notice(doneText)}
${problemsOf(texts, view.problems ?? [])}
<p>${t.intro}</p>
${rows.length ? table(t.caption, [t.reference, t.club, t.contact, t.plan, t.amount, t.ordered, t.due, t.actions], rows) : html`<p>${t.none}</p>`}
${pager(texts, view.page.nextCursor ? consoleHref('/console/orders', { cursor: view.page.nextCursor }) : null, view.firstPage && !view.problems?.length ? null : '/console/orders')}`);
}

// ------------------------------------------------------------------ tenants

export interface TenantsPage {
  page: Page<FleetTenantRow>;
  /** The filter as typed (shown again in the form, also when a value was refused). */
  query: { state?: string; app?: string; version?: string; host?: string };
  filter: TenantFilter;
  firstPage: boolean;
  apps: string[];
  hosts: { id: string; name: string }[];
  problems?: PageProblem[];
}

function select(id: string, label: string, options: readonly [string, string][], chosen: string | undefined, anyLabel: string, error?: string): SafeHtml {
  return html`<div class="field${error ? ' has-error' : ''}"><label for="${id}">${label}</label>
${error ? html`<p class="error" id="${id}-error">${error}</p>` : null}
<select id="${id}" name="${id}"${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : null}><option value="">${anyLabel}</option>${options.map(
    ([value, text]) => html`<option value="${value}"${value === chosen ? html` selected` : null}>${text}</option>`,
  )}</select></div>`;
}

export function renderTenantsPage(texts: Texts, view: TenantsPage): SafeHtml {
  const t = texts.console.tenants;
  const c = texts.console;
  const errorOf = (field: string) => view.problems?.find((problem) => problem.field === field)?.words;
  const filterParams = { state: view.filter.state, app: view.filter.app, version: view.filter.version, host: view.filter.hostId };
  const rows = view.page.items.map(
    (tenant) => html`<tr>
<td><a href="/console/tenants/${tenant.id}">${tenant.slug}</a>${tenant.primaryDomain ? html`<br><span class="note">${tenant.primaryDomain}</span>` : null}</td>
<td>${tenant.club?.name ?? c.none}</td>
<td>${tenant.plan?.name ?? c.none}</td>
<td>${tenant.apps.length ? tenant.apps.map((app, index) => html`${index ? html`<br>` : null}${fill(t.appVersion, { app: texts.apps[app.app] ?? app.app, version: app.version })}`) : c.none}</td>
<td>${word(c.states, tenant.state)}${tenant.failureReason ? html`<br><span class="note">${tenant.failureReason}</span>` : null}</td>
<td>${tenant.host?.name ?? c.none}</td>
<td><time datetime="${tenant.stateChangedAt.toISOString()}">${dateTime(texts, tenant.stateChangedAt)}</time></td>
</tr>`,
  );
  const versionError = errorOf('version');
  return consolePage(texts, 'tenants', t.title, html`<h1>${t.title}</h1>
${problemsOf(texts, view.problems ?? [])}
<p>${t.intro}</p>
<form method="get" action="/console/tenants" class="filters"><fieldset><legend>${t.filter}</legend>
${select('state', c.fields.state, Object.entries(c.states), view.query.state, t.any, errorOf('state'))}
${select('app', c.fields.app, view.apps.map((app) => [app, texts.apps[app] ?? app]), view.query.app, t.any, errorOf('app'))}
<div class="field${versionError ? ' has-error' : ''}"><label for="version">${c.fields.version}</label>
<p class="hint" id="version-hint">${t.versionHint}</p>
${versionError ? html`<p class="error" id="version-error">${versionError}</p>` : null}
<input id="version" name="version" type="text" maxlength="32"${attribute('value', view.query.version)}${versionError ? html` aria-invalid="true"` : null} aria-describedby="version-hint${versionError ? ' version-error' : ''}"></div>
${select('host', c.fields.host, view.hosts.map((host) => [host.id, host.name]), view.query.host, t.any, errorOf('host'))}
<div class="actions"><button type="submit">${t.show}</button><a href="/console/tenants">${t.clear}</a></div>
</fieldset></form>
${rows.length ? table(t.caption, [t.tenant, t.club, t.plan, t.apps, t.state, t.host, t.since], rows) : html`<p>${t.none}</p>`}
${pager(
  texts,
  view.page.nextCursor ? consoleHref('/console/tenants', { ...filterParams, cursor: view.page.nextCursor }) : null,
  view.firstPage && !view.problems?.length ? null : consoleHref('/console/tenants', filterParams),
)}`);
}

// ------------------------------------------------------------------ one tenant

export interface TenantPageView {
  tenant: FleetTenantDetail;
  /** The cursors this page was opened with (each history keeps its own). */
  cursors: { operations?: string; events?: string; audit?: string };
  done?: { kind: string };
  problems?: PageProblem[];
  now: Date;
}

function steps(texts: Texts, operation: FleetOperation): SafeHtml {
  const c = texts.console;
  return html`<ol class="steps">${operation.steps.map(
    (step) => html`<li class="${step.state}">${step.title} <span>(${word(c.stepStates, step.state)})</span>${step.message ? html`<br><span class="note">${step.message}</span>` : null}</li>`,
  )}</ol>`;
}

function operationItem(texts: Texts, operation: FleetOperation, tenant: string, retry: boolean): SafeHtml {
  const c = texts.console;
  const t = c.tenant.operations;
  const started = operation.startedAt ? fill(t.started, { date: dateTime(texts, operation.startedAt) }) : fill(t.queued, { date: dateTime(texts, operation.createdAt) });
  return html`<li class="operation ${operation.state}" id="operation-${operation.id}">
<p><strong>${operation.kind}</strong>: ${word(c.operationStates, operation.state)}. ${started}${operation.finishedAt ? html`, ${fill(t.finished, { date: dateTime(texts, operation.finishedAt) })}` : null}. ${fill(t.attempts, { attempts: operation.attempts })}</p>
${steps(texts, operation)}
${operation.error ? html`<p class="error-text"><strong>${t.error}:</strong> ${operation.error}</p>` : null}
${retry ? retryForm(texts, operation.id, operation.kind, tenant, 'tenant') : null}
</li>`;
}

function retryForm(texts: Texts, operationId: string, kind: string, tenant: string, back: 'tenant' | 'list'): SafeHtml {
  const t = texts.console.operations;
  return html`<form method="post" action="/console/operations/${operationId}/retry" class="inline">${csrfField()}<input type="hidden" name="back" value="${back}"><button type="submit">${t.retry}<span class="visually-hidden"> ${fill(t.retryHint, { kind, tenant })}</span></button></form>`;
}

function auditTable(texts: Texts, caption: string, none: string, entries: readonly AuditEntryView[]): SafeHtml {
  const c = texts.console;
  const t = c.tenant;
  if (entries.length === 0) return html`<p>${none}</p>`;
  return table(
    caption,
    [t.when, t.action, t.actor, t.details],
    entries.map(
      (entry) => html`<tr>
<td><time datetime="${entry.createdAt.toISOString()}">${dateTime(texts, entry.createdAt)}</time></td>
<td>${entry.action}</td>
<td>${fill(c.actors[entry.actorType] ?? '{id}', { id: entry.actorId ?? '' })}</td>
<td class="details">${detailsOf(entry.details)}</td>
</tr>`,
    ),
  );
}

/** An audit entry's details as short "key: value" text. */
function detailsOf(details: Record<string, unknown>): string {
  const text = Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('; ');
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

export function renderTenantPage(texts: Texts, view: TenantPageView): SafeHtml {
  const c = texts.console;
  const t = c.tenant;
  const tenant = view.tenant;
  const self = `/console/tenants/${tenant.id}`;
  const older = (history: 'operations' | 'events' | 'audit', cursor: string | null) =>
    cursor ? html`<p class="pager"><a href="${consoleHref(self, { ...view.cursors, [history]: cursor })}#${history}">${t[history].older}</a></p>` : null;
  const weekday = tenant.maintenanceWindow
    ? formatsOf(texts).weekday.format(new Date(Date.UTC(2024, 0, tenant.maintenanceWindow.weekday))) // 1 January 2024 was a Monday
    : '';
  // a failed operation is offered for a retry when no later run of its kind is on this (first) page
  const retryable = (operation: FleetOperation, index: number) =>
    operation.state === 'failed' && !view.cursors.operations && !tenant.operations.items.slice(0, index).some((later) => later.kind === operation.kind);
  const summary: [string, SafeHtml | string | null][] = [
    [t.club, tenant.club ? tenant.club.name : c.none],
    [t.contact, tenant.club ? html`<a href="mailto:${tenant.club.contactEmail}">${tenant.club.contactEmail}</a>` : c.none],
    [t.plan, tenant.plan?.name ?? c.none],
    [t.state, fill(t.stateValue, { state: word(c.states, tenant.state), date: dateTime(texts, tenant.stateChangedAt) })],
    [t.address, tenant.primaryDomain ?? c.none],
    [t.host, tenant.host ? html`<a href="${consoleHref('/console/tenants', { host: tenant.host.id })}">${tenant.host.name}</a>` : c.none],
    [t.graceEnds, tenant.graceEndsAt ? dateTime(texts, tenant.graceEndsAt) : null],
    [t.deleteAfter, tenant.deleteDataAfter ? dateTime(texts, tenant.deleteDataAfter) : null],
    [t.failure, tenant.failureReason],
    [t.window, tenant.maintenanceWindow ? fill(t.windowValue, { weekday, hour: tenant.maintenanceWindow.hour, hours: tenant.maintenanceWindow.hours }) : t.anyTime],
    [t.created, dateTime(texts, tenant.createdAt)],
  ];
  const doneOperation = view.done ? html`${fill(c.operations.done, { kind: view.done.kind, tenant: tenant.slug })}` : null;
  return consolePage(texts, 'tenants', fill(t.title, { slug: tenant.slug }).toString(), html`<h1>${fill(t.title, { slug: tenant.slug })}</h1>
${notice(doneOperation)}
${problemsOf(texts, view.problems ?? [])}
<dl class="summary">${summary.filter(([, value]) => value !== null && value !== '').map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>
<p class="note">${t.secrets}</p>

<h2 id="apps">${t.apps.heading}</h2>
${tenant.services.length
  ? table(
      t.apps.caption,
      [t.apps.app, t.apps.version, t.apps.state, t.apps.health, t.apps.containers, t.apps.ports],
      tenant.services.map(
        (service) => html`<tr>
<td>${texts.apps[service.app] ?? service.app}</td>
<td>${service.version}${service.pinned ? html`<br><span class="note">${t.apps.pinned}</span>` : null}</td>
<td>${word(c.appStates, service.state)}</td>
<td>${word(c.health, service.health)}${service.healthDetail ? html`<br><span class="note">${service.healthDetail}</span>` : null}</td>
<td class="mono">${Object.entries(service.containers).map(([name, id], index) => html`${index ? html`<br>` : null}${name}: ${id.slice(0, 12)}`)}</td>
<td class="mono">${service.endpoints.map((endpoint, index) => html`${index ? html`<br>` : null}${endpoint.service} ${endpoint.containerPort}/${endpoint.protocol} → ${endpoint.hostIp}:${endpoint.hostPort}`)}</td>
</tr>`,
      ),
    )
  : html`<p>${t.apps.none}</p>`}

<h2 id="domains">${t.domains.heading}</h2>
${tenant.domains.length
  ? table(
      t.domains.caption,
      [t.domains.name, t.domains.kind, t.domains.verification, t.domains.tls],
      tenant.domains.map(
        (domain) => html`<tr><td>${domain.name}${domain.isPrimary ? html` <span class="note">(${t.domains.primary})</span>` : null}</td><td>${domain.kind}</td><td>${domain.verificationState}</td><td>${domain.tlsState}</td></tr>`,
      ),
    )
  : html`<p>${t.domains.none}</p>`}

<h2 id="operations">${t.operations.heading}</h2>
${tenant.operations.items.length ? html`<ul class="operations">${tenant.operations.items.map((operation, index) => operationItem(texts, operation, tenant.slug, retryable(operation, index)))}</ul>` : html`<p>${t.operations.none}</p>`}
${older('operations', tenant.operations.nextCursor)}

<h2 id="events">${t.events.heading}</h2>
${auditTable(texts, t.events.caption, t.events.none, tenant.events.items)}
${older('events', tenant.events.nextCursor)}

<h2 id="audit">${t.audit.heading}</h2>
${auditTable(texts, t.audit.caption, t.audit.none, tenant.audit.items)}
${older('audit', tenant.audit.nextCursor)}

<h2 id="backups">${t.backups.heading}</h2>
<dl class="summary">
<dt>${t.backups.last}</dt><dd>${tenant.backups.summary.lastSuccessfulBackupAt ? dateTime(texts, tenant.backups.summary.lastSuccessfulBackupAt) : t.backups.never}</dd>
<dt>${t.backups.verified}</dt><dd>${tenant.backups.summary.lastVerifiedRestoreAt ? dateTime(texts, tenant.backups.summary.lastVerifiedRestoreAt) : t.backups.never}</dd>
<dt>${t.backups.next}</dt><dd>${tenant.backups.summary.nextBackupAt ? dateTime(texts, tenant.backups.summary.nextBackupAt) : c.none}</dd>
</dl>
${tenant.backups.recent.length
  ? table(
      t.backups.caption,
      [t.backups.when, t.backups.site, t.backups.kind, t.backups.state, t.backups.error],
      tenant.backups.recent.map(
        (backup) => html`<tr><td>${dateTime(texts, backup.createdAt)}</td><td>${backup.site}</td><td>${backup.kind}</td><td>${backup.state}</td><td>${backup.error ?? ''}</td></tr>`,
      ),
    )
  : html`<p>${t.backups.none}</p>`}`);
}

// ------------------------------------------------------------------ hosts

export function renderHostsPage(texts: Texts, view: { page: Page<FleetHostRow>; firstPage: boolean; problems?: PageProblem[] }): SafeHtml {
  const c = texts.console;
  const t = c.hosts;
  const rows = view.page.items.map(
    (host) => html`<tr>
<td>${host.name}<br><span class="note mono">${host.endpoint}</span></td>
<td>${word(c.hostStates, host.state)}</td>
<td>${fill(t.capacityValue, { placed: host.placed, capacity: host.capacity, free: host.free })}<br><a href="${consoleHref('/console/tenants', { host: host.id })}">${fill(t.tenants, { host: host.name })}</a></td>
<td>${host.lastSeenAt ? fill(t.engineValue, { version: host.engineVersion ?? '?', date: dateTime(texts, host.lastSeenAt) }) : t.neverSeen}</td>
<td>${word(c.edgeStates, host.edgeState)}${host.edgeError ? html`<br><span class="note">${host.edgeError}</span>` : null}</td>
<td>${host.lastError ?? ''}</td>
</tr>`,
  );
  return consolePage(texts, 'hosts', t.title, html`<h1>${t.title}</h1>
${problemsOf(texts, view.problems ?? [])}
<p>${t.intro}</p>
${rows.length ? table(t.caption, [t.name, t.state, t.capacity, t.engine, t.edge, t.lastError], rows) : html`<p>${t.none}</p>`}
${pager(texts, view.page.nextCursor ? consoleHref('/console/hosts', { cursor: view.page.nextCursor }) : null, view.firstPage && !view.problems?.length ? null : '/console/hosts')}`);
}

// ------------------------------------------------------------------ failed operations

export interface OperationsPage {
  page: Page<FleetOperationRow>;
  kinds: string[];
  kind?: string;
  firstPage: boolean;
  done?: { kind: string; tenantId: string; tenant: string };
  problems?: PageProblem[];
}

export function renderOperationsPage(texts: Texts, view: OperationsPage): SafeHtml {
  const c = texts.console;
  const t = c.operations;
  const rows = view.page.items.map((operation) => {
    const failedStep = operation.steps.find((step) => step.state === 'failed');
    return html`<tr id="operation-${operation.id}">
<td><time datetime="${(operation.finishedAt ?? operation.createdAt).toISOString()}">${dateTime(texts, operation.finishedAt ?? operation.createdAt)}</time></td>
<td>${operation.tenant ? html`<a href="/console/tenants/${operation.tenant.id}">${operation.tenant.slug}</a><br><span class="note">${word(c.states, operation.tenant.state)}</span>` : c.none}${operation.club ? html`<br>${operation.club.name}` : null}</td>
<td>${operation.kind}</td>
<td class="error-text">${operation.error ?? ''}</td>
<td>${failedStep ? html`${failedStep.title}${failedStep.message && failedStep.message !== operation.error ? html`<br><span class="note">${failedStep.message}</span>` : null}` : c.none}</td>
<td>${operation.attempts}</td>
<td class="actions">${operation.tenant ? retryForm(texts, operation.id, operation.kind, operation.tenant.slug, 'list') : null}</td>
</tr>`;
  });
  const done = view.done
    ? html`${fill(t.done, { kind: view.done.kind, tenant: view.done.tenant })} <a href="/console/tenants/${view.done.tenantId}#operations">${t.follow}</a>`
    : null;
  return consolePage(texts, 'operations', t.title, html`<h1>${t.title}</h1>
${notice(done)}
${problemsOf(texts, view.problems ?? [])}
<p>${t.intro}</p>
<form method="get" action="/console/operations" class="filters">
${select('kind', c.fields.kind, view.kinds.map((kind) => [kind, kind]), view.kind, t.anyKind, view.problems?.find((problem) => problem.field === 'kind')?.words)}
<button type="submit">${t.show}</button>
</form>
${rows.length ? table(t.caption, [t.when, t.tenant, t.kind, t.error, t.step, t.attempts, t.action], rows) : html`<p>${t.none}</p>`}
${pager(
  texts,
  view.page.nextCursor ? consoleHref('/console/operations', { kind: view.kind, cursor: view.page.nextCursor }) : null,
  view.firstPage && !view.problems?.length ? null : consoleHref('/console/operations', { kind: view.kind }),
)}`);
}

// ------------------------------------------------------------------ refusals

export function renderRefusedPage(texts: Texts, reason: string, back: string): SafeHtml {
  const t = texts.console.refused;
  return consolePage(texts, 'index', t.title, html`<h1>${t.title}</h1>
<p role="alert">${reason}</p>
<p><a href="${back}">${t.back}</a></p>`);
}
