import { randomUUID } from 'node:crypto';
import { createGzip } from 'node:zlib';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OrganizationsService } from '#identity';
import { ContainerRuntime } from '#runtime';
import { TenantExport, type Backup, type BackupKind, type DrillProbe, type Operation, type Tenant } from '../../entities/index.js';
import { BackupAlerts } from '../../backups/backup-alerts.js';
import { RESTORE_DRILL_FAILED_LETTER, RESTORE_FAILED_LETTER } from '../../backups/backup-letters.js';
import { isolatedPlan } from '../../backups/backup-plan.js';
import { afterDrill, isCheckDue } from '../../backups/backup-policy.js';
import { BackupRecords } from '../../backups/backup-records.js';
import { BackupSites, type ConfiguredSite } from '../../backups/backup-sites.js';
import { BackupStore } from '../../backups/backup-store.port.js';
import { probesFor, runProbe } from '../../backups/drill-probes.js';
import { writeExport } from '../../backups/export/export-archive.js';
import { failureCode, TenantBackups } from '../../backups/tenant-backups.js';
import { OperationHandler, type Steps } from '../operation-runner.js';
import { PermanentFailure } from '../pipeline-errors.js';
import { Placement } from '../placement.js';
import { ServiceInstances } from '../service-instances.js';
import { TenantDeployments, type AppDeployment } from '../tenant-deployments.js';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What a backup operation is asked to do (operation.input). */
export interface BackupInput {
  kind: Exclude<BackupKind, 'final'>;
  /** Site names; all sites when absent. */
  sites?: string[];
}

/**
 * A backup of the tenant: its databases dumped while the apps run, then a snapshot on each
 * site (a failing site does not stop the others), retention, and the weekly check. What failed
 * is recorded per site (the scheduler retries with backoff and operators are told); the
 * operation fails naming it. The apps keep running whatever happens.
 */
@Injectable()
export class BackupHandler extends OperationHandler {
  readonly kind = 'backup' as const;

  constructor(
    private readonly placement: Placement,
    private readonly deployments: TenantDeployments,
    private readonly backups: TenantBackups,
    private readonly records: BackupRecords,
    private readonly sites: BackupSites,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    const input = (steps.operation.input ?? { kind: 'manual' }) as Partial<BackupInput>;
    const kind = input.kind ?? 'manual';
    const scheduled = kind === 'scheduled';
    const sites = input.sites?.length ? input.sites.map((name) => this.sites.find(name)).filter((site): site is ConfiguredSite => !!site) : this.sites.all();
    if (sites.length === 0) throw new PermanentFailure(`none of the sites ${input.sites?.join(', ')} is configured`);
    const ref = { id: tenant.id, slug: tenant.slug };
    const host = await this.placement.hostOf(tenant);
    const apps = await this.deployments.load(tenant);
    const operationId = steps.operation.id;

    await steps.run('dump', async (report) => {
      try {
        await this.backups.dump(host, ref, apps, report, { stoppedIsConsistent: false });
      } catch (error) {
        // without a dump no site gets a snapshot: each counts a failure (the scheduler retries)
        for (const site of sites) await this.backups.recordOutcome(ref, site, { error }, scheduled);
        throw new PermanentFailure(`dump failed: ${message(error)}`);
      }
    });

    await steps.run('snapshot', async (report) => {
      await this.records.abandonRunning(operationId);
      for (const site of sites) {
        try {
          const backup = await this.backups.backupOnSite(host, ref, apps, site, { kind, operationId }, report);
          await this.backups.recordOutcome(ref, site, { backup }, scheduled);
        } catch (error) {
          await this.backups.recordOutcome(ref, site, { error }, scheduled);
          await report(`${site.site.name}: failed: ${message(error)}`);
        }
      }
    });

    const outcomes = await this.latestPerSite(operationId);
    const succeeded = sites.filter((site) => outcomes.get(site.site.name)?.state === 'succeeded');
    const problems = sites.filter((site) => !succeeded.includes(site)).map((site) => `${site.site.name}: ${outcomes.get(site.site.name)?.error ?? 'no snapshot'}`);

    await steps.run('retention', async (report) => {
      const lines: string[] = [];
      for (const site of succeeded) {
        // a failed forget is tried again with the next backup; the snapshots are safe either way
        lines.push(await this.backups.applyRetention(host, ref, site).catch((error) => `${site.site.name}: retention failed (${message(error)}); tried again next time`));
      }
      await report(lines.join('; ') || 'no new snapshot');
    });

    await steps.run('check', async (report) => {
      if (!scheduled) return report('checks run with the nightly backups');
      const lines: string[] = [];
      for (const site of succeeded) {
        const state = await this.records.siteState(tenant.id, site, site === this.sites.primary());
        if (!isCheckDue(state, new Date())) continue;
        try {
          const result = await this.backups.check(host, ref, site);
          lines.push(`${site.site.name}: repository intact (read ${result.readData} of the data)`);
        } catch (error) {
          problems.push(`${site.site.name}: check failed: ${message(error)}`);
          lines.push(`${site.site.name}: check FAILED: ${message(error)}`);
        }
      }
      await report(lines.join('; ') || 'no check due');
    });

    if (problems.length) throw new PermanentFailure(`backup failed on ${problems.join('; ')}`);
  }

  private async latestPerSite(operationId: string): Promise<Map<string, Backup>> {
    const latest = new Map<string, Backup>();
    for (const backup of await this.records.forOperation(operationId)) latest.set(backup.site, backup);
    return latest;
  }
}

/** An owner's export: dumps while the apps run (a stopped app's last dump is current), then one archive in the export store. */
@Injectable()
export class ExportHandler extends OperationHandler {
  readonly kind = 'export' as const;
  private readonly logger = new Logger(ExportHandler.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly placement: Placement,
    private readonly deployments: TenantDeployments,
    private readonly backups: TenantBackups,
    private readonly runtime: ContainerRuntime,
    private readonly store: BackupStore,
    private readonly organizations: OrganizationsService,
    private readonly records: BackupRecords,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    const exportId = (steps.operation.input as { exportId?: string } | null)?.exportId;
    const row = exportId ? await this.dataSource.manager.findOne(TenantExport, { where: { id: exportId, tenantId: tenant.id } }) : null;
    if (!row) throw new PermanentFailure('the operation names no export of this tenant');
    const host = await this.placement.hostOf(tenant);
    const apps = await this.deployments.load(tenant);
    let dumpedAt: Date | null = null;

    await steps.run('dump', async (report) => {
      await this.backups.dump(host, { id: tenant.id, slug: tenant.slug }, apps, report, { stoppedIsConsistent: true });
    });
    dumpedAt = new Date(steps.operation.steps.find((step) => step.name === 'dump')?.finishedAt ?? Date.now());

    await steps.run('archive', async (report) => {
      await this.dataSource.manager.update(TenantExport, row.id, { state: 'running' });
      const organization = await this.organizations.get(tenant.organizationId);
      const now = new Date();
      const file = `${tenant.slug}-export-${now.toISOString().slice(0, 16).replace(/[-:T]/g, '')}.tar.gz`;
      const gzip = createGzip({ level: 6 });
      const stored = this.store.put(`${tenant.slug}/${row.id}/${file}`, gzip);
      let summary;
      try {
        summary = await writeExport(this.runtime, host, { tenant: { id: tenant.id, slug: tenant.slug }, club: organization.name, domain: tenant.primaryDomain ?? tenant.slug, apps, dumpedAt, now }, gzip);
        gzip.end();
      } catch (error) {
        gzip.destroy(error as Error);
        await stored.catch(() => undefined);
        throw error;
      }
      const object = await stored;
      const expiresAt = new Date(now.getTime() + this.records.exportKeepDays * 86_400_000);
      await this.dataSource.manager.update(TenantExport, row.id, { state: 'completed', completedAt: new Date(), sizeBytes: object.sizeBytes, sha256: object.sha256, location: object.location, expiresAt });
      await report(`${summary.files} files (${Math.ceil(summary.bytes / 1024)} KiB) in ${file}, ${Math.ceil(object.sizeBytes / 1024)} KiB compressed, sha256 ${object.sha256.slice(0, 16)}…; downloadable until ${expiresAt.toISOString().slice(0, 10)}`);
    });
  }

  override async onFailure(tenant: Tenant, operation: Operation, reason: string): Promise<void> {
    const exportId = (operation.input as { exportId?: string } | null)?.exportId;
    if (exportId) await this.dataSource.manager.update(TenantExport, { id: exportId, tenantId: tenant.id }, { state: 'failed', error: reason.slice(0, 4000) });
    this.logger.warn(`export of tenant ${tenant.slug} failed: ${reason}`);
  }
}

/** What a restore operation is asked to do (operation.input). */
export interface RestoreInput {
  backupId: string;
}

/**
 * A restore from a kept backup. Into the same tenant: a safety snapshot first, then stop,
 * files, start and load the dumps, health gate; if anything fails it returns to the safety
 * snapshot the same way, so the tenant is never left half-restored. Into a new tenant (a clone,
 * just provisioned with the backup's secrets): the same without the safety snapshot.
 */
@Injectable()
export class RestoreHandler extends OperationHandler {
  readonly kind = 'restore' as const;

  constructor(
    private readonly placement: Placement,
    private readonly runtime: ContainerRuntime,
    private readonly deployments: TenantDeployments,
    private readonly instances: ServiceInstances,
    private readonly backups: TenantBackups,
    private readonly records: BackupRecords,
    private readonly sites: BackupSites,
    private readonly alerts: BackupAlerts,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    const input = steps.operation.input as Partial<RestoreInput> | null;
    const backup = input?.backupId ? await this.records.find(input.backupId) : null;
    if (!backup || backup.state !== 'succeeded') throw new PermanentFailure(`backup ${input?.backupId} is not a kept backup`);
    const clone = backup.tenantId !== tenant.id;
    const ref = { id: tenant.id, slug: tenant.slug };
    const host = await this.placement.hostOf(tenant);
    const operationId = steps.operation.id;
    const inBackup = backup.snapshots.map((snapshot) => snapshot.app);

    await steps.run('safety', async (report) => {
      if (clone) return report(`a new tenant, copied from tenant ${backup.tenantId}: nothing to keep`);
      const apps = await this.deployments.load(tenant);
      await this.backups.dump(host, ref, apps, report, { stoppedIsConsistent: true });
      const safety = await this.backups.backupOnSite(host, ref, apps, this.sites.primary(), { kind: 'manual', operationId, note: `safety snapshot before restoring backup ${backup.id}` }, report);
      await report(`safety snapshot ${safety.id} on ${safety.site}`);
    });

    try {
      await this.restoreFrom(tenant, backup, steps, { stop: 'stop', files: 'files', databases: 'databases', health: 'health' }, inBackup);
      await steps.run('rollback', (report) => report('not needed'));
    } catch (error) {
      const reason = message(error);
      const safety = clone ? undefined : (await this.records.forOperation(operationId)).find((candidate) => candidate.state === 'succeeded' && candidate.note?.startsWith('safety snapshot'));
      if (!safety) throw new PermanentFailure(`restore of backup ${backup.id} failed: ${reason}${clone ? '; the new tenant is left for an operator' : ''}`);
      try {
        await steps.run('rollback', async (report) => {
          await report(`restore failed (${reason}); returning to safety snapshot ${safety.id}`);
          await this.runtime.stop(host, tenant.id);
          await this.deployments.replaceSecrets(tenant.id, await this.records.secretsOf(safety.id));
          const apps = await this.deployments.load(tenant);
          await this.backups.restoreVolumes(host, ref, apps, safety, report);
          for (const app of apps) await this.instances.deploy(host, app, report);
          await this.backups.loadDumps(host, apps, report);
          await this.instances.confirmRunning(host, apps);
          await report(`back at safety snapshot ${safety.id}: the tenant runs as before the restore`);
        });
      } catch (rollbackError) {
        await this.alert(tenant, backup, `restore failed (${reason}) and so did the return to safety snapshot ${safety.id} (${message(rollbackError)})`);
        throw new PermanentFailure(`restore of backup ${backup.id} failed (${reason}); returning to safety snapshot ${safety.id} failed too: ${message(rollbackError)}`);
      }
      await this.alert(tenant, backup, `restore failed (${reason}); the tenant is back at safety snapshot ${safety.id}`);
      throw new PermanentFailure(`restore of backup ${backup.id} failed (${reason}); the tenant is back at the safety snapshot ${safety.id} taken just before`);
    }
  }

  private async restoreFrom(tenant: Tenant, backup: Backup, steps: Steps, names: { stop: string; files: string; databases: string; health: string }, inBackup: string[]): Promise<void> {
    const host = await this.placement.hostOf(tenant);
    await steps.run(names.stop, async (report) => {
      const stopped = await this.runtime.stop(host, tenant.id);
      for (const instance of await this.deployments.instances(tenant.id)) await this.instances.markStopped(instance);
      await report(`${stopped.length} container(s) stopped`);
    });
    await steps.run(names.files, async (report) => {
      // the keys the data was made with come back with it (Mastodon's encryption keys, database passwords)
      await this.deployments.replaceSecrets(tenant.id, await this.records.secretsOf(backup.id));
      await this.backups.restoreVolumes(host, { id: tenant.id, slug: tenant.slug }, await this.deployments.load(tenant), backup, report);
    });
    await steps.run(names.databases, async (report) => {
      const apps = await this.deployments.load(tenant);
      for (const app of apps) await this.instances.deploy(host, app, report);
      await this.backups.loadDumps(host, apps, report, inBackup);
    });
    await steps.run(names.health, async (report) => {
      await this.instances.confirmRunning(host, await this.deployments.load(tenant));
      await report(`restored backup ${backup.id} of ${backup.createdAt.toISOString()} from ${backup.site}; all apps answer`);
    });
  }

  private async alert(tenant: Tenant, backup: Backup, error: string): Promise<void> {
    await this.alerts.send(RESTORE_FAILED_LETTER, { tenant: tenant.slug, tenantId: tenant.id, site: backup.site, failures: '1', code: 'restore.failed', error, next: '' });
  }
}

/** The scratch copy's name: short, and never a club's (club names cannot start with "drill-"). */
export const scratchSlug = (drillId: string) => `drill-${drillId.replace(/-/g, '').slice(0, 12)}`;

/**
 * A restore drill: the latest backup restored into a scratch tenant (its own labels, an internal
 * network, nothing published), started, its dumps loaded, then used like people use the apps
 * (an XMPP login, a post served, rows in the database), recorded with its duration; the scratch
 * objects are removed whatever happened. The tenant itself is not touched.
 */
@Injectable()
export class DrillHandler extends OperationHandler {
  readonly kind = 'drill' as const;
  private readonly logger = new Logger(DrillHandler.name);

  constructor(
    private readonly placement: Placement,
    private readonly runtime: ContainerRuntime,
    private readonly deployments: TenantDeployments,
    private readonly backups: TenantBackups,
    private readonly records: BackupRecords,
    private readonly sites: BackupSites,
    private readonly alerts: BackupAlerts,
  ) {
    super();
  }

  async run(tenant: Tenant, steps: Steps): Promise<void> {
    const host = await this.placement.hostOf(tenant);
    const operationId = steps.operation.id;
    const wanted = (steps.operation.input as { site?: string } | null)?.site;

    await steps.run('prepare', async (report) => {
      if (await this.records.drillOf(operationId)) return; // resumed after a crash
      const backup = (await this.records.latestSucceeded(tenant.id, wanted ?? this.sites.primary().site.name)) ?? (wanted ? null : await this.records.latestSucceeded(tenant.id));
      if (!backup) {
        await this.schedule(tenant, false);
        throw new PermanentFailure(`no backup of tenant ${tenant.slug}${wanted ? ` on ${wanted}` : ''} to drill with yet`);
      }
      const drill = await this.records.startDrill({ tenantId: tenant.id, site: backup.site, backupId: backup.id, scratchTenantId: randomUUID(), operationId });
      await report(`backup ${backup.id} of ${backup.createdAt.toISOString()} from ${backup.site}, into scratch copy ${scratchSlug(drill.id)}`);
    });

    const drill = (await this.records.drillOf(operationId))!;
    const backup = (await this.records.find(drill.backupId!))!;
    const scratch = { id: drill.scratchTenantId, slug: scratchSlug(drill.id) };
    const secrets = await this.records.secretsOf(backup.id);
    const apps: AppDeployment[] = (
      await this.deployments.loadAs(
        tenant,
        scratch,
        backup.snapshots.map((snapshot) => ({ app: snapshot.app, version: snapshot.version, secrets: secrets[snapshot.app] ?? {} })),
      )
    ).map((app) => ({ ...app, plan: isolatedPlan(app.plan) }));
    const probes: DrillProbe[] = [];

    try {
      await steps.run('restore', async (report) => {
        for (const app of apps) await this.runtime.prepareStorage(host, app.plan);
        await this.backups.restoreVolumes(host, scratch, apps, backup, report);
      });
      await steps.run('start', async (report) => {
        for (const app of apps) {
          await this.runtime.apply(host, app.plan);
          await report(`${app.template.name}: started on the isolated network ${app.plan.network.name}`);
        }
        await this.backups.loadDumps(host, apps, report);
      });
      await steps.run('probe', async (report) => {
        const domain = tenant.primaryDomain ?? tenant.slug;
        for (const app of apps) {
          for (const first of probesFor(app, domain)) {
            const result = await runProbe(this.runtime, host, app, first);
            probes.push(result);
            await report(`${app.template.name}: ${result.detail}`);
          }
        }
        const failed = probes.filter((probe) => !probe.ok);
        if (failed.length) throw new PermanentFailure(`probe(s) failed: ${failed.map((probe) => `${probe.app} ${probe.probe}: ${probe.detail}`).join('; ')}`);
      });
      const done = await this.records.finishDrill(drill, { state: 'passed', probes, error: null });
      this.logger.log(`restore drill of tenant ${tenant.slug} passed in ${done.durationMs} ms`);
    } catch (error) {
      await this.records.finishDrill(drill, { state: 'failed', probes, error: message(error) });
      await this.alerts.send(RESTORE_DRILL_FAILED_LETTER, { tenant: tenant.slug, tenantId: tenant.id, site: backup.site, failures: '1', code: failureCode(error), error: message(error), next: '' });
      throw error;
    } finally {
      await steps.run('cleanup', async (report) => {
        // only objects labelled for the scratch tenant: the drill's own
        const removed = await this.runtime.remove(host, scratch.id, { volumes: true });
        await this.records.drillCleanedUp(drill.id);
        await report(`removed ${removed.containers.length} container(s), ${removed.volumes.length} volume(s), ${removed.networks.length} network(s)`);
      });
      await this.schedule(tenant, true);
    }
  }

  private async schedule(tenant: Tenant, ran: boolean): Promise<void> {
    const primary = this.sites.primary();
    await this.records.siteState(tenant.id, primary, true);
    await this.records.updateState(tenant.id, primary.site.name, afterDrill(tenant.id, primary.site.schedule, new Date(), ran));
  }
}
