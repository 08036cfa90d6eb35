import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TENANT_STATES } from '#domain';
import { filledSamples, MetricsCollector, type MetricFamily, type Sample } from '#platform/metrics';
import { BACKED_UP_STATES } from '../backups/backup-scheduler.js';
import type { DockerHostState, OperationState } from '../entities/index.js';
import { OPERATION_KINDS } from '../operations/operation-kinds.js';
import { FinishedOperations, type FinishedOperationsRow, OPERATION_DURATION_BOUNDS, type OperationTally } from './finished-operations.js';

/** Every operation state, as in progress or as an outcome (a Record, so a new state must be placed here). */
const OPERATION_STATE_ROLES: Record<OperationState, 'in_progress' | 'outcome'> = {
  queued: 'in_progress',
  running: 'in_progress',
  succeeded: 'outcome',
  failed: 'outcome',
  canceled: 'outcome',
};
const IN_PROGRESS = Object.keys(OPERATION_STATE_ROLES).filter((state) => OPERATION_STATE_ROLES[state as OperationState] === 'in_progress');
const OUTCOMES = Object.keys(OPERATION_STATE_ROLES).filter((state) => OPERATION_STATE_ROLES[state as OperationState] === 'outcome');
const HOST_STATES = Object.keys({ active: true, draining: true, unreachable: true, disabled: true } satisfies Record<DockerHostState, true>);
const KINDS = Object.keys(OPERATION_KINDS);

/** Operations that finished this recently are counted afresh at each scrape: a transaction may commit a little after its finishedAt. */
const SETTLE_SECONDS = 600;

export interface TenantAppRow {
  state: string;
  app: string;
  tenants: number;
}
export interface TenantStateRow {
  state: string;
  tenants: number;
}
export interface OperationsInProgressRow {
  kind: string;
  state: string;
  operations: number;
}
export interface HostRow {
  host: string;
  state: string;
  capacity: number;
  tenants: number;
}
export interface BackupAgeRow {
  tenant: string;
  site: string;
  /** null: no backup on this site has succeeded yet. */
  ageSeconds: number | null;
}
export interface DrillRow {
  tenant: string;
  passed: boolean;
  ageSeconds: number | null;
}

/**
 * Provisioning's numbers for GET /metrics: tenants by state and app, operations (totals by kind
 * and outcome, durations, what is in progress), each Docker host's capacity, and each running
 * tenant's backup age and last restore drill. Aggregate queries only; finished operations are
 * read incrementally (FinishedOperations), as that table grows every day.
 */
@Injectable()
export class ProvisioningMetrics extends MetricsCollector {
  readonly name = 'provisioning';
  private readonly finished = new FinishedOperations(OPERATION_DURATION_BOUNDS);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async collect(): Promise<MetricFamily[]> {
    const query = <T>(sql: string, parameters: unknown[] = []): Promise<T[]> => this.dataSource.query(sql, parameters);
    const [tenantApps, tenantStates, inProgress, tally, hosts, backups, drills] = await Promise.all([
      query<TenantAppRow>(
        `select t.state, si.app, count(*)::int as tenants
           from tenant t join service_instance si on si.tenant_id = t.id
          group by t.state, si.app`,
      ),
      query<TenantStateRow>(`select state, count(*)::int as tenants from tenant group by state`),
      query<OperationsInProgressRow>(`select kind, state, count(*)::int as operations from operation where state = any($1::text[]) group by kind, state`, [IN_PROGRESS]),
      this.finishedOperations(),
      query<HostRow>(
        `select h.name as host, h.state, h.capacity, count(t.id)::int as tenants
           from docker_host h
           left join tenant t on t.docker_host_id = h.id and t.state <> 'terminated'
          group by h.id`,
      ),
      query<BackupAgeRow>(
        `select t.slug as tenant, s.site, extract(epoch from now() - s.last_success_at)::float8 as "ageSeconds"
           from backup_site_state s join tenant t on t.id = s.tenant_id
          where t.state = any($1::text[])`,
        [BACKED_UP_STATES],
      ),
      // the newest finished drill of each running tenant: one index probe per tenant (restore_drill (tenant_id, created_at))
      query<DrillRow>(
        `select t.slug as tenant, d.state = 'passed' as passed, extract(epoch from now() - d.finished_at)::float8 as "ageSeconds"
           from tenant t
          cross join lateral (
                select state, finished_at from restore_drill
                 where tenant_id = t.id and state in ('passed', 'failed')
                 order by created_at desc limit 1) d
          where t.state = any($1::text[])`,
        [BACKED_UP_STATES],
      ),
    ]);
    return [
      ...tenantFamilies(tenantApps, tenantStates),
      ...operationFamilies(tally, inProgress),
      ...hostFamilies(hosts),
      ...backupFamilies(backups, drills),
    ];
  }

  /** What finished since the last settle line, split at the next one (the database's clock for both). */
  private async finishedOperations(): Promise<OperationTally> {
    const [{ nextLine }] = await this.dataSource.query(`select now() - make_interval(secs => $1) as "nextLine"`, [SETTLE_SECONDS]);
    const rows: FinishedOperationsRow[] = await this.dataSource.query(
      // the bucket is the number of bounds below the duration (width_bucket counts those <= it), so a
      // duration equal to a bound counts in that bound's bucket, as Prometheus's "le" says
      `select f.kind, f.outcome, f.settled,
              width_bucket(f.seconds, $3::float8[]) - (f.seconds = any($3::float8[]))::int as bucket,
              count(*)::int as operations, coalesce(sum(f.seconds), 0)::float8 as seconds
         from (select o.kind, o.state as outcome, o.finished_at <= $2 as settled,
                      case when o.started_at is not null then greatest(extract(epoch from o.finished_at - o.started_at), 0)::float8 end as seconds
                 from operation o
                where o.finished_at > $1 and o.state = any($4::text[])) f
        group by 1, 2, 3, 4`,
      [this.finished.settledUntil ?? '-infinity', nextLine, OPERATION_DURATION_BOUNDS, OUTCOMES],
    );
    return this.finished.record(rows, nextLine);
  }
}

/** Pure: tenants by state and app (every state, zero included), and by state alone (a tenant with two apps counts once). */
export function tenantFamilies(apps: readonly TenantAppRow[], states: readonly TenantStateRow[]): MetricFamily[] {
  return [
    {
      type: 'gauge',
      name: 'allmende_tenants',
      help: 'Tenants by lifecycle state and app (a tenant with two apps counts once for each)',
      labelNames: ['state', 'app'],
      samples: filledSamples(
        { state: TENANT_STATES, app: [...new Set(apps.map((row) => row.app))].sort() },
        apps.map((row) => ({ labels: { state: row.state, app: row.app }, value: row.tenants })),
      ),
    },
    {
      type: 'gauge',
      name: 'allmende_tenants_by_state',
      help: 'Tenants by lifecycle state',
      labelNames: ['state'],
      samples: filledSamples({ state: TENANT_STATES }, states.map((row) => ({ labels: { state: row.state }, value: row.tenants }))),
    },
  ];
}

/** Pure: finished operations (totals and durations) and those queued or running, for every kind. */
export function operationFamilies(tally: OperationTally, inProgress: readonly OperationsInProgressRow[], bounds: readonly number[] = OPERATION_DURATION_BOUNDS): MetricFamily[] {
  const kinds = [...new Set([...KINDS, ...tally.durations.keys()])];
  const finished: Sample[] = [...tally.finished].flatMap(([kind, outcomes]) => [...outcomes].map(([outcome, count]) => ({ labels: { kind, outcome }, value: count })));
  return [
    {
      type: 'counter',
      name: 'allmende_operations_total',
      help: 'Finished operations by kind and outcome (succeeded, failed, canceled)',
      labelNames: ['kind', 'outcome'],
      samples: filledSamples({ kind: KINDS, outcome: OUTCOMES }, finished),
    },
    {
      type: 'histogram',
      name: 'allmende_operation_duration_seconds',
      help: 'How long finished operations ran, from their start to their end, by kind',
      labelNames: ['kind'],
      bounds,
      series: kinds.map((kind) => {
        const durations = tally.durations.get(kind);
        const perBucket = durations?.buckets ?? new Array<number>(bounds.length + 1).fill(0);
        let running = 0;
        const cumulative = perBucket.map((count) => (running += count));
        return { labels: { kind }, buckets: cumulative.slice(0, bounds.length), count: cumulative[bounds.length], sum: durations?.sum ?? 0 };
      }),
    },
    {
      type: 'gauge',
      name: 'allmende_operations_in_progress',
      help: 'Operations waiting (queued) or being run (running), by kind',
      labelNames: ['kind', 'state'],
      samples: filledSamples({ kind: KINDS, state: IN_PROGRESS }, inProgress.map((row) => ({ labels: { kind: row.kind, state: row.state }, value: row.operations }))),
    },
  ];
}

/** Pure: each Docker host's capacity, tenants placed on it (terminated ones left out) and state (1 for its state, 0 for the others). */
export function hostFamilies(hosts: readonly HostRow[]): MetricFamily[] {
  return [
    {
      type: 'gauge',
      name: 'allmende_host_capacity',
      help: 'How many tenants the scheduler may place on each Docker host',
      labelNames: ['host'],
      samples: hosts.map((row) => ({ labels: { host: row.host }, value: row.capacity })),
    },
    {
      type: 'gauge',
      name: 'allmende_host_tenants',
      help: 'Tenants placed on each Docker host (terminated ones not counted)',
      labelNames: ['host'],
      samples: hosts.map((row) => ({ labels: { host: row.host }, value: row.tenants })),
    },
    {
      type: 'gauge',
      name: 'allmende_host_state',
      help: "Each Docker host's state: 1 for the state it is in, 0 for the others",
      labelNames: ['host', 'state'],
      samples: hosts.flatMap((row) => HOST_STATES.map((state) => ({ labels: { host: row.host, state }, value: row.state === state ? 1 : 0 }))),
    },
  ];
}

/** Pure: per running tenant, the age of its last good backup on each site (+Inf: none yet) and its last restore drill. */
export function backupFamilies(backups: readonly BackupAgeRow[], drills: readonly DrillRow[]): MetricFamily[] {
  return [
    {
      type: 'gauge',
      name: 'allmende_backup_age_seconds',
      help: 'Seconds since the last successful backup of each running tenant on each backup site (+Inf: none yet)',
      labelNames: ['tenant', 'site'],
      samples: backups.map((row) => ({ labels: { tenant: row.tenant, site: row.site }, value: row.ageSeconds ?? Number.POSITIVE_INFINITY })),
    },
    {
      type: 'gauge',
      name: 'allmende_restore_drill_ok',
      help: "Whether each running tenant's last restore drill passed (1) or failed (0); tenants never drilled are absent",
      labelNames: ['tenant'],
      samples: drills.map((row) => ({ labels: { tenant: row.tenant }, value: row.passed ? 1 : 0 })),
    },
    {
      type: 'gauge',
      name: 'allmende_restore_drill_age_seconds',
      help: "Seconds since each running tenant's last restore drill finished",
      labelNames: ['tenant'],
      samples: drills.filter((row) => row.ageSeconds !== null).map((row) => ({ labels: { tenant: row.tenant }, value: row.ageSeconds! })),
    },
  ];
}
