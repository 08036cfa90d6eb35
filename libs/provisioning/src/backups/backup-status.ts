import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, MoreThan } from 'typeorm';
import { mapPage, type Page, type PageRequest, pageOf } from '#platform';
import { Backup, BackupSiteState, RestoreDrill, Tenant } from '../entities/index.js';

/** What an owner sees: when the data was last saved, and last proven to restore. */
export interface OwnerBackupSummary {
  lastSuccessfulBackupAt: Date | null;
  lastVerifiedRestoreAt: Date | null;
  nextBackupAt: Date | null;
}

/** One tenant on one site, as operators watch it. */
export interface SiteStatus {
  tenantId: string;
  tenant: string;
  site: string;
  lastSuccessAt: Date | null;
  lastAttemptAt: Date | null;
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorCode: string | null;
  retryAt: Date | null;
  nextBackupAt: Date;
  alertedAt: Date | null;
  lastCheckAt: Date | null;
  lastCheckOk: boolean | null;
  lastCheckError: string | null;
  nextCheckAt: Date;
  nextDrillAt: Date | null;
}

/** Backup facts for people (the API and the order status page); reads only. */
@Injectable()
export class BackupStatusService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async ownerSummary(tenantId: string): Promise<OwnerBackupSummary> {
    const manager = this.dataSource.manager;
    const [backup, drill, states] = await Promise.all([
      manager.findOne(Backup, { where: { tenantId, state: In(['succeeded', 'forgotten']) }, order: { finishedAt: 'DESC' } }),
      manager.findOne(RestoreDrill, { where: { tenantId, state: 'passed' }, order: { finishedAt: 'DESC' } }),
      manager.find(BackupSiteState, { where: { tenantId } }),
    ]);
    const next = states.map((state) => state.retryAt ?? state.nextBackupAt).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
    return { lastSuccessfulBackupAt: backup?.finishedAt ?? null, lastVerifiedRestoreAt: drill?.finishedAt ?? null, nextBackupAt: next };
  }

  async siteStatus(tenantId?: string, options: { failingOnly?: boolean } = {}): Promise<SiteStatus[]> {
    const states = await this.dataSource.manager.find(BackupSiteState, {
      where: { ...(tenantId ? { tenantId } : {}), ...(options.failingOnly ? { consecutiveFailures: MoreThan(0) } : {}) },
      relations: { tenant: true },
      order: { consecutiveFailures: 'DESC', tenantId: 'ASC', site: 'ASC' },
    });
    return states.map(siteStatusOf);
  }

  /**
   * Every tenant on every site for operators, the most failures first, a page at a time along
   * the (consecutive_failures, tenant_id, site) index read backwards; the cursor is that key.
   */
  async sitePage(options: { failingOnly?: boolean }, request: PageRequest<[number, string, string]>): Promise<Page<SiteStatus>> {
    const query = this.dataSource.manager
      .createQueryBuilder(BackupSiteState, 's')
      .leftJoinAndSelect('s.tenant', 'tenant')
      .orderBy('s.consecutive_failures', 'DESC')
      .addOrderBy('s.tenant_id', 'DESC')
      .addOrderBy('s.site', 'DESC')
      .limit(request.limit + 1);
    if (options.failingOnly) query.andWhere('s.consecutive_failures > 0');
    if (request.after) query.andWhere('(s.consecutive_failures, s.tenant_id, s.site) < (:failures, :tenantId::uuid, :site)', { failures: request.after[0], tenantId: request.after[1], site: request.after[2] });
    const page = pageOf(await query.getMany(), request.limit, (state) => [state.consecutiveFailures, state.tenantId, state.site]);
    return mapPage(page, siteStatusOf);
  }

  backups(tenantId: string, limit = 100): Promise<Backup[]> {
    return this.dataSource.manager.find(Backup, { where: { tenantId }, order: { createdAt: 'DESC' }, take: limit });
  }

  drills(tenantId: string, limit = 20): Promise<RestoreDrill[]> {
    return this.dataSource.manager.find(RestoreDrill, { where: { tenantId }, order: { createdAt: 'DESC' }, take: limit });
  }

  findBackup(id: string): Promise<Backup | null> {
    return this.dataSource.manager.findOne(Backup, { where: { id } });
  }
}

function siteStatusOf(state: BackupSiteState): SiteStatus {
  return {
    tenantId: state.tenantId,
    tenant: (state.tenant as Tenant | undefined)?.slug ?? state.tenantId,
    site: state.site,
    lastSuccessAt: state.lastSuccessAt,
    lastAttemptAt: state.lastAttemptAt,
    consecutiveFailures: state.consecutiveFailures,
    lastError: state.lastError,
    lastErrorCode: state.lastErrorCode,
    retryAt: state.retryAt,
    nextBackupAt: state.nextBackupAt,
    alertedAt: state.alertedAt,
    lastCheckAt: state.lastCheckAt,
    lastCheckOk: state.lastCheckOk,
    lastCheckError: state.lastCheckError,
    nextCheckAt: state.nextCheckAt,
    nextDrillAt: state.nextDrillAt,
  };
}
