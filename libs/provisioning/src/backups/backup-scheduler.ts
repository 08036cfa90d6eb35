import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull, LessThanOrEqual, Not } from 'typeorm';
import { BackupEngine } from '#backup';
import { Scheduler } from '#platform/jobs';
import { ContainerRuntime } from '#runtime';
import { DockerHost, Tenant, TenantExport } from '../entities/index.js';
import { OperationsService } from '../operations/operations.service.js';
import type { BackupInput } from '../pipeline/handlers/backup.handlers.js';
import { Placement } from '../pipeline/placement.js';
import { afterDrill, isBackupDue } from './backup-policy.js';
import { BackupRecords } from './backup-records.js';
import { BackupSites } from './backup-sites.js';
import { BackupStore } from './backup-store.port.js';

/** Tenants whose apps run: they get nightly backups (a suspended or terminated one does not change). */
export const BACKED_UP_STATES = ['active', 'past_due'] as const;

/**
 * Starts each running tenant's backups when due (its nightly minute per site, or a retry after
 * a failure), its weekly restore drill, and sweeps up what crashes left: drill scratch copies,
 * abandoned backup task containers, expired exports. One pass at a time across workers.
 */
@Injectable()
export class BackupScheduler implements OnModuleInit {
  private readonly logger = new Logger(BackupScheduler.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scheduler: Scheduler,
    private readonly sites: BackupSites,
    private readonly records: BackupRecords,
    private readonly operations: OperationsService,
    private readonly placement: Placement,
    private readonly runtime: ContainerRuntime,
    private readonly engine: BackupEngine,
    private readonly store: BackupStore,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: 'provisioning.backups',
      intervalMs: 60_000,
      run: async () => {
        await this.pass(new Date());
        await this.sweep(new Date());
      },
    });
  }

  /** Starts the backups and drills that are due at `now`; returns the operations started. */
  async pass(now: Date): Promise<{ backups: string[]; drills: string[] }> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query(`select pg_try_advisory_xact_lock(hashtextextended('allmende:backup-scheduler', 0)) as locked`);
      const started = { backups: [] as string[], drills: [] as string[] };
      if (!locked) return started; // another worker is at it
      const tenants = await manager.find(Tenant, { where: { state: In([...BACKED_UP_STATES]), dockerHostId: Not(IsNull()) }, order: { createdAt: 'ASC' } });
      for (const tenant of tenants) {
        const states = new Map<string, Awaited<ReturnType<BackupRecords['siteState']>>>();
        for (const configured of this.sites.all()) states.set(configured.site.name, await this.records.siteState(tenant.id, configured, configured === this.sites.primary(), now));
        if ((await this.operations.unfinishedFor(tenant.id)).length) continue; // one thing at a time; next pass
        const due = this.sites.all().filter((configured) => isBackupDue(states.get(configured.site.name)!, now));
        const target = { type: 'tenant', id: tenant.id };
        if (due.length) {
          const input: BackupInput = { kind: 'scheduled', sites: due.map((configured) => configured.site.name) };
          started.backups.push((await this.operations.start({ kind: 'backup', target, organizationId: tenant.organizationId, requestedBy: null, input: { ...input } }, manager)).id);
          continue;
        }
        const primary = this.sites.primary();
        const drillAt = states.get(primary.site.name)!.nextDrillAt;
        if (drillAt && drillAt.getTime() <= now.getTime()) {
          if (await this.records.latestSucceeded(tenant.id)) {
            started.drills.push((await this.operations.start({ kind: 'drill', target, organizationId: tenant.organizationId, requestedBy: null, input: { scheduled: true } }, manager)).id);
          } else {
            await this.records.updateState(tenant.id, primary.site.name, afterDrill(tenant.id, primary.site.schedule, now, false));
          }
        }
      }
      if (started.backups.length || started.drills.length) this.logger.log(`started ${started.backups.length} backup(s), ${started.drills.length} restore drill(s)`);
      return started;
    });
  }

  /** Leftovers: scratch copies of drills a worker died in, backup tasks past their deadline, expired exports. */
  async sweep(now: Date): Promise<void> {
    for (const drill of await this.records.uncleanedDrills(new Date(now.getTime() - 30 * 60_000))) {
      const tenant = await this.dataSource.manager.findOne(Tenant, { where: { id: drill.tenantId } });
      if (!tenant?.dockerHostId) continue;
      try {
        const removed = await this.runtime.remove(await this.placement.hostOf(tenant), drill.scratchTenantId, { volumes: true });
        await this.records.drillCleanedUp(drill.id);
        this.logger.warn(`removed the scratch copy of an interrupted restore drill of ${tenant.slug}: ${removed.containers.length} container(s), ${removed.volumes.length} volume(s)`);
      } catch (error) {
        this.logger.warn(`could not remove the scratch copy of drill ${drill.id}: ${(error as Error).message}`);
      }
    }
    for (const host of await this.dataSource.manager.find(DockerHost, { where: { state: 'active' } })) {
      await this.engine.removeAbandonedTasks(host).catch((error: unknown) => this.logger.warn(`abandoned backup tasks on ${host.name}: ${(error as Error).message}`));
    }
    const expired = await this.dataSource.manager.find(TenantExport, { where: { state: 'completed', expiresAt: LessThanOrEqual(now) }, relations: { tenant: true } });
    for (const row of expired) {
      await this.store.deletePrefix(`${row.tenant!.slug}/${row.id}`);
      await this.dataSource.manager.update(TenantExport, row.id, { state: 'expired', location: null });
    }
  }
}
