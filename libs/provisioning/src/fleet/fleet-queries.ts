import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PlansService, TemplateCatalog } from '#catalog';
import { AuditLog, type TenantState } from '#domain';
import { OrganizationsService } from '#identity';
import { cursorTimeSql, NotFoundError, type Page, type PageRequest, pageOf } from '#platform';
import { BackupStatusService } from '../backups/backup-status.js';
import { Domain, type Operation, ServiceInstance, Tenant } from '../entities/index.js';
import { type CreatedKey, hostPageSql, type OperationFilter, operationPageSql, parseOperationFilter, parseTenantFilter, type TenantFilter, tenantPageSql } from './fleet-filters.js';
import type { FleetApp, FleetBackup, FleetHostRow, FleetOperation, FleetOperationRow, FleetService, FleetTenantDetail, FleetTenantRow } from './fleet.dto.js';

interface TenantRow {
  id: string;
  slug: string;
  state: TenantState;
  primary_domain: string | null;
  organization_id: string;
  plan_id: string;
  docker_host_id: string | null;
  host_name: string | null;
  failure_reason: string | null;
  state_changed_at: Date;
  grace_ends_at: Date | null;
  created_at: Date;
  cursor_at: string;
}

interface OperationRow {
  id: string;
  kind: string;
  state: Operation['state'];
  target_type: string;
  target_id: string;
  organization_id: string | null;
  error: string | null;
  failure_kind: Operation['failureKind'];
  attempts: number;
  steps: Operation['steps'];
  progress: number;
  requested_by: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
  cursor_at: string;
}

/** Pages of a tenant's histories on its page, each with its own cursor. */
export interface TenantHistoryPages {
  operations: PageRequest<CreatedKey>;
  events: PageRequest<CreatedKey>;
  audit: PageRequest<CreatedKey>;
}

/**
 * Operators' reads across every club: tenants filtered by state, app, version and host; a
 * tenant with its containers, operations, events, audit trail, domains and backups; hosts with
 * capacity and what is placed on them; operations (failed ones, with the later one that
 * followed). Every list is a keyset page read along an index (see fleet-filters.ts); clubs and
 * plans come from their owners' services, one query per page.
 */
@Injectable()
export class FleetQueries {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly organizations: OrganizationsService,
    private readonly plans: PlansService,
    private readonly catalog: TemplateCatalog,
    private readonly audit: AuditLog,
    private readonly backups: BackupStatusService,
  ) {}

  /** The filter from query parameters (400 naming each bad field). */
  tenantFilter(query: Record<string, unknown>): TenantFilter {
    return parseTenantFilter(query, this.catalog.appIds());
  }

  operationFilter(query: Record<string, unknown>): OperationFilter {
    return parseOperationFilter(query);
  }

  /** Every host's id and name, for the filter form (hosts are few). */
  hostChoices(): Promise<{ id: string; name: string }[]> {
    return this.dataSource.query(`select id, name from docker_host order by name`);
  }

  /** The catalog's apps, for the filter form. */
  apps(): string[] {
    return [...this.catalog.appIds()].sort();
  }

  async tenants(filter: TenantFilter, request: PageRequest<CreatedKey>): Promise<Page<FleetTenantRow>> {
    const query = tenantPageSql(filter, request.after, request.limit);
    const rows: TenantRow[] = await this.dataSource.query(query.text, query.params);
    const page = pageOf(rows, request.limit, (row) => [row.cursor_at, row.id]);
    const [apps, clubs, plans] = await Promise.all([
      this.appsOf(page.items.map((row) => row.id)),
      this.organizations.byIds(page.items.map((row) => row.organization_id)),
      this.plans.byIds(page.items.map((row) => row.plan_id)),
    ]);
    return {
      nextCursor: page.nextCursor,
      items: page.items.map((row) => {
        const club = clubs.get(row.organization_id);
        const plan = plans.get(row.plan_id);
        return {
          id: row.id,
          slug: row.slug,
          state: row.state,
          primaryDomain: row.primary_domain,
          club: club ? { id: club.id, name: club.name } : null,
          plan: plan ? { code: plan.code, name: plan.name } : null,
          host: row.docker_host_id ? { id: row.docker_host_id, name: row.host_name ?? row.docker_host_id } : null,
          apps: apps.get(row.id) ?? [],
          failureReason: row.failure_reason,
          stateChangedAt: row.state_changed_at,
          graceEndsAt: row.grace_ends_at,
          createdAt: row.created_at,
        };
      }),
    };
  }

  /** A tenant's page: never a secret (no admin password, no sealed secrets). */
  async tenant(tenantId: string, pages: TenantHistoryPages): Promise<FleetTenantDetail> {
    const manager = this.dataSource.manager;
    const tenant = await manager.findOne(Tenant, { where: { id: tenantId }, relations: { dockerHost: true } });
    if (!tenant) throw new NotFoundError('Tenant', tenantId);
    const [clubs, plans, domains, instances, operations, events, audit, summary, recent] = await Promise.all([
      this.organizations.byIds([tenant.organizationId]),
      this.plans.byIds([tenant.planId]),
      manager.find(Domain, { where: { tenantId }, order: { isPrimary: 'DESC', name: 'ASC' } }),
      manager.find(ServiceInstance, { where: { tenantId }, order: { app: 'ASC' } }),
      this.operationsOf(tenantId, pages.operations),
      this.audit.page({ targetType: 'tenant', targetId: tenantId }, pages.events),
      this.audit.page({ organizationId: tenant.organizationId }, pages.audit),
      this.backups.ownerSummary(tenantId),
      this.backups.backups(tenantId, 5),
    ]);
    const club = clubs.get(tenant.organizationId);
    const plan = plans.get(tenant.planId);
    const services: FleetService[] = instances.map((instance) => ({
      id: instance.id,
      app: instance.app,
      version: instance.version,
      state: instance.state,
      health: instance.health,
      pinned: instance.pinned,
      healthDetail: instance.healthDetail,
      healthCheckedAt: instance.healthCheckedAt,
      containers: instance.containers,
      endpoints: instance.endpoints,
    }));
    return {
      id: tenant.id,
      slug: tenant.slug,
      state: tenant.state,
      primaryDomain: tenant.primaryDomain,
      club: club ? { id: club.id, name: club.name, contactEmail: club.contactEmail } : null,
      plan: plan ? { code: plan.code, name: plan.name } : null,
      host: tenant.dockerHost ? { id: tenant.dockerHost.id, name: tenant.dockerHost.name } : null,
      apps: services.map(({ app, version, state, health }) => ({ app, version, state, health })),
      failureReason: tenant.failureReason,
      stateChangedAt: tenant.stateChangedAt,
      graceEndsAt: tenant.graceEndsAt,
      deleteDataAfter: tenant.deleteDataAfter,
      maintenanceWindow: tenant.maintenanceWindow,
      createdAt: tenant.createdAt,
      domains: domains.map(({ name, kind, isPrimary, verificationState, tlsState }) => ({ name, kind, isPrimary, verificationState, tlsState })),
      services,
      operations,
      events,
      audit,
      backups: {
        summary,
        recent: recent.map((backup): FleetBackup => ({ id: backup.id, site: backup.site, state: backup.state, kind: backup.kind, createdAt: backup.createdAt, finishedAt: backup.finishedAt, error: backup.error })),
      },
    };
  }

  async hosts(request: PageRequest<[string]>): Promise<Page<FleetHostRow>> {
    const query = hostPageSql(request.after, request.limit);
    const rows: {
      id: string; name: string; endpoint: string; capacity: number; state: FleetHostRow['state']; placed: number; engine_version: string | null; last_seen_at: Date | null;
      last_error: string | null; edge_state: FleetHostRow['edgeState']; edge_error: string | null; edge_checked_at: Date | null;
    }[] = await this.dataSource.query(query.text, query.params);
    const page = pageOf(rows, request.limit, (row) => [row.name]);
    return {
      nextCursor: page.nextCursor,
      items: page.items.map((row) => ({
        id: row.id,
        name: row.name,
        endpoint: row.endpoint,
        state: row.state,
        capacity: row.capacity,
        placed: row.placed,
        free: Math.max(0, row.capacity - row.placed),
        engineVersion: row.engine_version,
        lastSeenAt: row.last_seen_at,
        lastError: row.last_error,
        edgeState: row.edge_state,
        edgeError: row.edge_error,
        edgeCheckedAt: row.edge_checked_at,
      })),
    };
  }

  /** Operations of every club (e.g. the failed ones still unresolved), newest first, each with its tenant and club. */
  async operations(filter: OperationFilter, request: PageRequest<CreatedKey>): Promise<Page<FleetOperationRow>> {
    const query = operationPageSql(filter, request.after, request.limit);
    const rows: (OperationRow & { tenant_slug: string | null; tenant_state: TenantState | null; superseded_by: string | null })[] = await this.dataSource.query(query.text, query.params);
    const page = pageOf(rows, request.limit, (row) => [row.cursor_at, row.id]);
    const clubs = await this.organizations.byIds(page.items.flatMap((row) => (row.organization_id ? [row.organization_id] : [])));
    return {
      nextCursor: page.nextCursor,
      items: page.items.map((row) => {
        const club = row.organization_id ? clubs.get(row.organization_id) : undefined;
        return {
          ...operationOf(row),
          tenant: row.tenant_slug !== null && row.tenant_state !== null ? { id: row.target_id, slug: row.tenant_slug, state: row.tenant_state } : null,
          club: club ? { id: club.id, name: club.name } : null,
          supersededBy: row.superseded_by,
        };
      }),
    };
  }

  /** A tenant's operations, newest first, along the (target, created_at) index. */
  async operationsOf(tenantId: string, request: PageRequest<CreatedKey>): Promise<Page<FleetOperation>> {
    const keyset = request.after ? `and (o.created_at, o.id) < ($2::timestamptz, $3::uuid)` : '';
    const rows: OperationRow[] = await this.dataSource.query(
      `select o.id, o.kind, o.state, o.target_type, o.target_id, o.organization_id, o.error, o.failure_kind, o.attempts, o.steps, o.progress,
              o.requested_by, o.created_at, o.started_at, o.finished_at, o.updated_at, ${cursorTimeSql('o.created_at')} as cursor_at
         from operation o
        where o.target_type = 'tenant' and o.target_id = $1 ${keyset}
        order by o.created_at desc, o.id desc
        limit $${request.after ? 4 : 2}`,
      [tenantId, ...(request.after ?? []), request.limit + 1],
    );
    const page = pageOf(rows, request.limit, (row) => [row.cursor_at, row.id]);
    return { nextCursor: page.nextCursor, items: page.items.map(operationOf) };
  }

  /** Each tenant's apps (one query for a page of tenants). */
  private async appsOf(tenantIds: string[]): Promise<Map<string, FleetApp[]>> {
    const apps = new Map<string, FleetApp[]>();
    if (tenantIds.length === 0) return apps;
    const rows: { tenant_id: string; app: string; version: string; state: FleetApp['state']; health: FleetApp['health'] }[] = await this.dataSource.query(
      `select tenant_id, app, version, state, health from service_instance where tenant_id = any($1::uuid[]) order by app`,
      [tenantIds],
    );
    for (const row of rows) apps.set(row.tenant_id, [...(apps.get(row.tenant_id) ?? []), { app: row.app, version: row.version, state: row.state, health: row.health }]);
    return apps;
  }
}

function operationOf(row: OperationRow): FleetOperation {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    targetType: row.target_type,
    targetId: row.target_id,
    organizationId: row.organization_id,
    progress: row.progress,
    steps: row.steps,
    error: row.error,
    failureKind: row.failure_kind,
    attempts: row.attempts,
    requestedBy: row.requested_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
  };
}
