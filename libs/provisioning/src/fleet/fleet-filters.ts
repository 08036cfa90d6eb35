import type { CatalogProblemCode } from '#catalog';
import { TENANT_STATES, type TenantState } from '#domain';
import { type FieldProblem, problem, type PlatformProblemCode, ValidationFailedError } from '#platform';
import type { OperationState } from '../entities/index.js';
import { OPERATION_KINDS, type OperationKind } from '../operations/operation-kinds.js';
import type { ProvisioningProblemCode } from '../problems.js';

/**
 * The operators' filters over every club's tenants and operations, and the SQL they become.
 * Pure: values only ever travel as parameters ($n); the SQL text is made of fixed pieces, so
 * no input can change it. Each list reads one index in its sort order (created_at, id), a
 * page at a time (see migration ConsoleIndexes).
 */

export interface TenantFilter {
  state?: TenantState;
  /** Tenants that have this app (prosody, wordpress...). */
  app?: string;
  /** ...at this version (of that app, or of any app when no app is given). */
  version?: string;
  /** Placed on this Docker host. */
  hostId?: string;
}

export const OPERATION_STATES: readonly OperationState[] = ['queued', 'running', 'succeeded', 'failed', 'canceled'];

export interface OperationFilter {
  state?: OperationState;
  kind?: OperationKind;
  /** Only operations no later one of the same kind on the same target followed (a failure still unresolved). */
  open?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/;

/** A query parameter as Express gives it: a string, absent, or (repeated) an array, which no filter takes. */
function text(value: unknown): string | undefined | null {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' ? value.trim() : null;
}

/**
 * The tenant filter from query parameters; `apps` are the catalog's app ids. Every bad value is
 * reported at once, each naming its field (a 400).
 */
export function parseTenantFilter(query: Record<string, unknown>, apps: ReadonlySet<string>): TenantFilter {
  const problems: Record<string, FieldProblem> = {};
  const filter: TenantFilter = {};
  const state = text(query.state);
  if (state !== undefined) {
    if (state !== null && (TENANT_STATES as readonly string[]).includes(state)) filter.state = state as TenantState;
    else problems.state = problem<ProvisioningProblemCode>('tenant.state', { states: TENANT_STATES.join(', ') });
  }
  const app = text(query.app);
  if (app !== undefined) {
    if (app !== null && apps.has(app)) filter.app = app;
    else problems.app = problem<CatalogProblemCode>('app.unknown', { app: String(app ?? ''), known: [...apps].sort().join(', ') });
  }
  const version = text(query.version);
  if (version !== undefined) {
    if (version !== null && VERSION.test(version)) filter.version = version;
    else problems.version = problem<ProvisioningProblemCode>('filter.version');
  }
  const host = text(query.host);
  if (host !== undefined) {
    if (host !== null && UUID.test(host)) filter.hostId = host.toLowerCase();
    else problems.host = problem<PlatformProblemCode>('input.uuid');
  }
  if (Object.keys(problems).length) throw new ValidationFailedError(problems);
  return filter;
}

/** The operation filter from query parameters (`state`, `kind`, `open=true|false`). */
export function parseOperationFilter(query: Record<string, unknown>): OperationFilter {
  const problems: Record<string, FieldProblem> = {};
  const filter: OperationFilter = {};
  const state = text(query.state);
  if (state !== undefined) {
    if (state !== null && (OPERATION_STATES as readonly string[]).includes(state)) filter.state = state as OperationState;
    else problems.state = problem<ProvisioningProblemCode>('operation.state', { states: OPERATION_STATES.join(', ') });
  }
  const kind = text(query.kind);
  if (kind !== undefined) {
    if (kind !== null && Object.hasOwn(OPERATION_KINDS, kind)) filter.kind = kind as OperationKind;
    else problems.kind = problem<ProvisioningProblemCode>('operation.kind', { kinds: Object.keys(OPERATION_KINDS).join(', ') });
  }
  const open = text(query.open);
  if (open !== undefined) {
    if (open === 'true' || open === 'false') filter.open = open === 'true';
    else problems.open = problem<ProvisioningProblemCode>('filter.flag');
  }
  if (Object.keys(problems).length) throw new ValidationFailedError(problems);
  return filter;
}

export interface SqlQuery {
  text: string;
  params: unknown[];
}

/** Collects conditions with their parameters numbered in order. */
class Conditions {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];

  /** `sql` uses `?` for each value, in order. */
  add(sql: string, ...values: unknown[]): void {
    let next = 0;
    this.parts.push(sql.replace(/\?/g, () => `$${this.params.length + ++next}`));
    this.params.push(...values);
  }

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  where(): string {
    return this.parts.length ? `where ${this.parts.join(' and ')}` : '';
  }
}

/** (created_at, id) of the last row seen, as the cursor carries it. */
export type CreatedKey = [string, string];

const CURSOR_AT = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** One page of tenants (limit + 1 rows: the extra one says there is more), newest first. */
export function tenantPageSql(filter: TenantFilter, after: CreatedKey | null, limit: number): SqlQuery {
  const where = new Conditions();
  if (filter.state) where.add('t.state = ?', filter.state);
  if (filter.hostId) where.add('t.docker_host_id = ?', filter.hostId);
  if (filter.app && filter.version) where.add('exists (select 1 from service_instance si where si.tenant_id = t.id and si.app = ? and si.version = ?)', filter.app, filter.version);
  else if (filter.app) where.add('exists (select 1 from service_instance si where si.tenant_id = t.id and si.app = ?)', filter.app);
  else if (filter.version) where.add('exists (select 1 from service_instance si where si.tenant_id = t.id and si.version = ?)', filter.version);
  if (after) where.add('(t.created_at, t.id) < (?::timestamptz, ?::uuid)', after[0], after[1]);
  const limitParam = where.param(limit + 1);
  return {
    text: `select t.id, t.slug, t.state, t.primary_domain, t.organization_id, t.plan_id, t.docker_host_id, h.name as host_name,
                  t.failure_reason, t.state_changed_at, t.grace_ends_at, t.created_at, ${CURSOR_AT('t.created_at')} as cursor_at
             from tenant t
             left join docker_host h on h.id = t.docker_host_id
             ${where.where()}
            order by t.created_at desc, t.id desc
            limit ${limitParam}`,
    params: where.params,
  };
}

/** A later operation of the same kind on the same target (reads the target's operations index). */
const LATER = `select n.id from operation n where n.target_type = o.target_type and n.target_id = o.target_id and n.kind = o.kind and n.created_at > o.created_at`;

/** One page of operations (limit + 1 rows), newest first, each with the later one of its kind that followed it, if any. */
export function operationPageSql(filter: OperationFilter, after: CreatedKey | null, limit: number): SqlQuery {
  const where = new Conditions();
  if (filter.state) where.add('o.state = ?', filter.state);
  if (filter.kind) where.add('o.kind = ?', filter.kind);
  if (filter.open === true) where.add(`not exists (${LATER} limit 1)`);
  if (filter.open === false) where.add(`exists (${LATER} limit 1)`);
  if (after) where.add('(o.created_at, o.id) < (?::timestamptz, ?::uuid)', after[0], after[1]);
  const limitParam = where.param(limit + 1);
  return {
    text: `select o.id, o.kind, o.state, o.target_type, o.target_id, o.organization_id, o.error, o.failure_kind, o.attempts, o.steps, o.input,
                  o.progress, o.requested_by, o.created_at, o.started_at, o.finished_at, o.updated_at, ${CURSOR_AT('o.created_at')} as cursor_at,
                  t.slug as tenant_slug, t.state as tenant_state,
                  (${LATER} order by n.created_at asc limit 1) as superseded_by
             from operation o
             left join tenant t on o.target_type = 'tenant' and t.id = o.target_id
             ${where.where()}
            order by o.created_at desc, o.id desc
            limit ${limitParam}`,
    params: where.params,
  };
}

/** One page of Docker hosts by name, each with the tenants placed there (not terminated: a count bounded by the host's capacity). */
export function hostPageSql(after: [string] | null, limit: number): SqlQuery {
  const where = new Conditions();
  if (after) where.add('h.name > ?', after[0]);
  const limitParam = where.param(limit + 1);
  return {
    text: `select h.id, h.name, h.endpoint, h.capacity, h.state, h.engine_version, h.last_seen_at, h.last_error, h.edge_state, h.edge_error, h.edge_checked_at,
                  (select count(*)::int from tenant t where t.docker_host_id = h.id and t.state <> 'terminated') as placed
             from docker_host h
             ${where.where()}
            order by h.name asc
            limit ${limitParam}`,
    params: where.params,
  };
}
