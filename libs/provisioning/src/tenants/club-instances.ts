import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AccessCheck } from '#identity';
import { NotFoundError } from '#platform';
import { BackupActions } from '../backups/backup-actions.js';
import { type OwnerBackupSummary } from '../backups/backup-status.js';
import { BackupStore } from '../backups/backup-store.port.js';
import { type ReadinessReport } from '../domains/readiness/readiness.service.js';
import { AdminCredential, Backup, type Operation, RestoreDrill, type ServiceHealth, ServiceInstance, Tenant, TenantExport, TenantReadiness, BackupSiteState, Domain } from '../entities/index.js';
import { OperationsService } from '../operations/operations.service.js';
import { TenantDeployments } from '../pipeline/tenant-deployments.js';
import { tenantHealth, type TenantHealth } from './tenant-health.js';

/** One app of a club's instance, as its dashboard shows it. */
export interface ClubApp {
  app: string;
  version: string;
  state: ServiceInstance['state'];
  health: ServiceHealth;
  healthDetail: string | null;
  /** Bytes its backed-up data took at the last successful backup; null when none was made yet. */
  storageBytes: number | null;
  /** The admin login (no password) and when it was last shown, if the app has one. */
  admin: { username: string; loginUrl: string; revealedAt: Date | null } | null;
  /** Whether the owner can get a new admin password here (the template knows how). */
  canResetPassword: boolean;
}

export interface ClubExport {
  id: string;
  state: TenantExport['state'];
  sizeBytes: number | null;
  createdAt: Date;
  completedAt: Date | null;
  expiresAt: Date | null;
}

/** One instance (tenant) of a club with everything its dashboard shows; never a secret. */
export interface ClubInstance {
  tenant: Pick<Tenant, 'id' | 'slug' | 'state' | 'planId' | 'primaryDomain' | 'graceEndsAt' | 'deleteDataAfter' | 'failureReason' | 'stateChangedAt' | 'createdAt'>;
  /** Host names it answers at, the main one first. */
  domains: string[];
  apps: ClubApp[];
  health: TenantHealth;
  /** The newest operation (provisioning, backup, upgrade...), for progress. */
  operation: Pick<Operation, 'id' | 'kind' | 'state' | 'progress' | 'steps' | 'createdAt' | 'finishedAt'> | null;
  backups: OwnerBackupSummary;
  readiness: ReadinessReport | null;
  exports: ClubExport[];
}

const EXPORTS_SHOWN = 5;

/**
 * What a club's dashboard shows of its instances, read in a few queries per club: apps with
 * state, health, version and storage, the newest operation, backups and restore drills,
 * readiness, exports. Also the owner's export: start one, and read the archive.
 */
@Injectable()
export class ClubInstances {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly operations: OperationsService,
    private readonly deployments: TenantDeployments,
    private readonly actions: BackupActions,
    private readonly store: BackupStore,
    private readonly access: AccessCheck,
  ) {}

  async forOrganization(organizationId: string): Promise<ClubInstance[]> {
    const manager = this.dataSource.manager;
    const tenants = await manager.find(Tenant, { where: { organizationId }, order: { createdAt: 'DESC' } });
    if (tenants.length === 0) return [];
    const ids = tenants.map((tenant) => tenant.id);
    const [instances, domains, credentials, backups, drills, siteStates, readiness, exports] = await Promise.all([
      manager.find(ServiceInstance, { where: { tenantId: In(ids) }, order: { app: 'ASC' } }),
      manager.find(Domain, { where: { tenantId: In(ids) }, order: { isPrimary: 'DESC', name: 'ASC' } }),
      manager.find(AdminCredential, { where: { tenantId: In(ids) } }),
      // the newest successful backup of each tenant
      manager
        .createQueryBuilder(Backup, 'b')
        .distinctOn(['b.tenantId'])
        .where('b.tenantId in (:...ids)', { ids })
        .andWhere("b.state in ('succeeded', 'forgotten')")
        .orderBy('b.tenantId')
        .addOrderBy('b.finishedAt', 'DESC')
        .getMany(),
      manager
        .createQueryBuilder(RestoreDrill, 'd')
        .distinctOn(['d.tenantId'])
        .where('d.tenantId in (:...ids)', { ids })
        .andWhere("d.state = 'passed'")
        .orderBy('d.tenantId')
        .addOrderBy('d.finishedAt', 'DESC')
        .getMany(),
      manager.find(BackupSiteState, { where: { tenantId: In(ids) } }),
      manager.find(TenantReadiness, { where: { tenantId: In(ids) } }),
      manager.find(TenantExport, { where: { tenantId: In(ids) }, order: { createdAt: 'DESC' } }),
    ]);
    const operations = await Promise.all(ids.map((id) => this.operations.latestFor(id)));

    return tenants.map((tenant, index) => {
      const backup = backups.find((row) => row.tenantId === tenant.id) ?? null;
      const drill = drills.find((row) => row.tenantId === tenant.id) ?? null;
      const next = siteStates
        .filter((state) => state.tenantId === tenant.id)
        .map((state) => state.retryAt ?? state.nextBackupAt)
        .sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
      const apps = instances
        .filter((instance) => instance.tenantId === tenant.id && instance.state !== 'removed')
        .map((instance): ClubApp => {
          const credential = credentials.find((row) => row.serviceInstanceId === instance.id);
          const snapshots = backup?.snapshots.filter((snapshot) => snapshot.app === instance.app) ?? [];
          return {
            app: instance.app,
            version: instance.version,
            state: instance.state,
            health: instance.health,
            healthDetail: instance.healthDetail,
            storageBytes: snapshots.length ? snapshots.reduce((sum, snapshot) => sum + snapshot.totalBytes, 0) : null,
            admin: credential ? { username: credential.username, loginUrl: credential.loginUrl, revealedAt: credential.revealedAt } : null,
            canResetPassword: credential !== undefined && this.deployments.canResetAdminPassword(instance.app),
          };
        });
      const report = readiness.find((row) => row.tenantId === tenant.id);
      const operation = operations[index];
      return {
        tenant: {
          id: tenant.id, slug: tenant.slug, state: tenant.state, planId: tenant.planId, primaryDomain: tenant.primaryDomain, graceEndsAt: tenant.graceEndsAt,
          deleteDataAfter: tenant.deleteDataAfter, failureReason: tenant.failureReason, stateChangedAt: tenant.stateChangedAt, createdAt: tenant.createdAt,
        },
        domains: domains.filter((domain) => domain.tenantId === tenant.id).map((domain) => domain.name),
        apps,
        health: tenantHealth(apps),
        operation: operation && { id: operation.id, kind: operation.kind, state: operation.state, progress: operation.progress, steps: operation.steps, createdAt: operation.createdAt, finishedAt: operation.finishedAt },
        backups: { lastSuccessfulBackupAt: backup?.finishedAt ?? null, lastVerifiedRestoreAt: drill?.finishedAt ?? null, nextBackupAt: next },
        readiness: report ? { tenantId: report.tenantId, checkedAt: report.checkedAt, status: report.status, trigger: report.trigger, durationMs: report.durationMs, results: report.results } : null,
        exports: exports
          .filter((row) => row.tenantId === tenant.id)
          .slice(0, EXPORTS_SHOWN)
          .map((row) => ({ id: row.id, state: row.state, sizeBytes: row.sizeBytes, createdAt: row.createdAt, completedAt: row.completedAt, expiresAt: row.expiresAt })),
      };
    });
  }

  /** An owner exports the club's data now: an operation that makes the archive (identity's owner check first). */
  async startExport(tenantId: string, accountId: string): Promise<ClubExport> {
    const tenant = await this.ownedTenant(tenantId, accountId);
    const { export: row } = await this.actions.exportNow(tenant, accountId);
    return { id: row.id, state: row.state, sizeBytes: row.sizeBytes, createdAt: row.createdAt, completedAt: row.completedAt, expiresAt: row.expiresAt };
  }

  /** A finished export's archive, for an owner to download; NotFoundError for anything else. */
  async openExport(tenantId: string, exportId: string, accountId: string): Promise<{ stream: Readable; fileName: string; sizeBytes: number | null; sha256: string | null }> {
    await this.ownedTenant(tenantId, accountId);
    const row = await this.dataSource.manager.findOne(TenantExport, { where: { id: exportId, tenantId } });
    if (!row || row.state !== 'completed' || !row.location || !(await this.store.exists(row.location))) throw new NotFoundError('Export');
    return { stream: await this.store.get(row.location), fileName: row.location.slice(row.location.lastIndexOf('/') + 1), sizeBytes: row.sizeBytes, sha256: row.sha256 };
  }

  private async ownedTenant(tenantId: string, accountId: string): Promise<Tenant> {
    const tenant = await this.dataSource.manager.findOne(Tenant, { where: { id: tenantId } });
    if (!tenant) throw new NotFoundError('Tenant');
    await this.access.requireMemberRole(accountId, tenant.organizationId, ['owner'], 'Tenant');
    return tenant;
  }
}
