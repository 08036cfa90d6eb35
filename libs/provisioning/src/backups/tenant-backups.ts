import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditLog, SYSTEM_ACTOR } from '#domain';
import { BackupEngine, BackupError, type BackupProgress, type CheckResult, type TenantRepository } from '#backup';
import { AppConfig, DomainError } from '#platform';
import { ContainerRuntime, type EngineEndpoint } from '#runtime';
import { TenantExport, type Backup, type BackupKind, type BackupSnapshot, type Tenant } from '../entities/index.js';
import { Placement } from '../pipeline/placement.js';
import { BackupStore } from './backup-store.port.js';
import { PermanentFailure } from '../pipeline/pipeline-errors.js';
import type { AppDeployment } from '../pipeline/tenant-deployments.js';
import { BackupAlerts } from './backup-alerts.js';
import { BACKUP_CHECK_FAILED_LETTER, BACKUP_FAILED_LETTER } from './backup-letters.js';
import { backupVolumesOf, requiredDumpsOf, restoreHooksOf, restoreTargetsOf } from './backup-plan.js';
import { afterCheck, afterFailure, afterSuccess } from './backup-policy.js';
import { BackupRecords, type AppSecrets } from './backup-records.js';
import { BackupSites, type ConfiguredSite } from './backup-sites.js';

type Report = (message: string) => Promise<void>;
export interface TenantRef {
  id: string;
  slug: string;
}

/** The engine's code for an error, or what kind of failure it was. */
export function failureCode(error: unknown): string {
  if (error instanceof DomainError) return error.code;
  if (error instanceof PermanentFailure) return 'backup.failed';
  return 'error';
}

function isTransientFailure(error: unknown): boolean {
  return error instanceof BackupError ? error.transient : !(error instanceof PermanentFailure);
}

const MiB = 1024 * 1024;
const size = (bytes: number) => (bytes >= 10 * MiB ? `${Math.round(bytes / MiB)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

/** At most one progress line a second: a person reads them, the database stores them. */
function throttled(report: Report, prefix: string): (progress: BackupProgress) => void {
  let last = 0;
  return (progress) => {
    if (Date.now() - last < 1000) return;
    last = Date.now();
    const percent = Math.floor(progress.percentDone * 100);
    void report(`${prefix}${progress.volume ? ` ${progress.volume}` : ''}: ${percent} % (${size(progress.bytesDone)}${progress.totalBytes ? ` of ${size(progress.totalBytes)}` : ''})`).catch(() => undefined);
  };
}

/**
 * A tenant's backups, through the backup engine: databases dumped by the apps' own backup
 * hooks while they run, then one snapshot per app on each site (its repository opened with its
 * sealed password), the outcome recorded on the site state (retries back off; operators are
 * told); restores of files and dumps; retention, checks, and deleting everything at the end.
 */
@Injectable()
export class TenantBackups {
  private readonly logger = new Logger(TenantBackups.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runtime: ContainerRuntime,
    private readonly engine: BackupEngine,
    private readonly sites: BackupSites,
    private readonly records: BackupRecords,
    private readonly alerts: BackupAlerts,
    private readonly config: AppConfig,
    private readonly placement: Placement,
    private readonly store: BackupStore,
    private readonly audit: AuditLog,
  ) {}

  /** The tenant's repository on the site, created (and its password checked) on first use. */
  async repository(host: EngineEndpoint, tenant: { id: string; slug?: string }, configured: ConfiguredSite): Promise<TenantRepository> {
    const state = await this.records.siteState(tenant.id, configured, configured === this.sites.primary());
    const repository: TenantRepository = {
      site: configured.site,
      ...(configured.credentials ? { credentials: configured.credentials } : {}),
      tenant: { id: tenant.id, ...(tenant.slug ? { slug: tenant.slug } : {}) },
      password: await this.records.repositoryPassword(tenant.id, configured.site.name),
    };
    if (!state.repositoryReadyAt) {
      await this.engine.ensureRepository(host, repository);
      await this.records.updateState(tenant.id, configured.site.name, { repositoryReadyAt: new Date() });
    }
    return repository;
  }

  /**
   * Runs every backup hook (database dumps, SQLite's online copy) while the apps run. A dump
   * service that is not running fails it, unless `stoppedIsConsistent` (the tenant was stopped
   * on purpose right after its last dump: the files are as they were).
   */
  async dump(host: EngineEndpoint, tenant: TenantRef, apps: AppDeployment[], report: Report, options: { stoppedIsConsistent: boolean }): Promise<void> {
    const observed = await this.runtime.observe(host, tenant.id);
    for (const app of apps) {
      for (const hook of app.plan.hooks.backup) {
        const running = observed.containers.some((c) => c.app === app.plan.app && c.service === hook.service && c.state === 'running');
        if (!running) {
          if (options.stoppedIsConsistent) {
            await report(`${app.template.name}: ${hook.service} is stopped; its last dump is as current as its data`);
            continue;
          }
          throw new PermanentFailure(`${app.template.name}: ${hook.service} is not running, so ${hook.name} cannot make a consistent dump`);
        }
        await this.runtime.runHook(host, app.plan, hook);
        await report(`${app.template.name}: ${hook.name} done`);
      }
    }
  }

  /** One backup of every app on one site (a snapshot per app), recorded; throws what failed, with the row marked failed. */
  async backupOnSite(
    host: EngineEndpoint,
    tenant: TenantRef,
    apps: AppDeployment[],
    configured: ConfiguredSite,
    input: { kind: BackupKind; operationId: string | null; note?: string },
    report: Report,
  ): Promise<Backup> {
    const site = configured.site.name;
    const backup = await this.records.begin({ tenantId: tenant.id, site, kind: input.kind, operationId: input.operationId, note: input.note });
    try {
      const repository = await this.repository(host, tenant, configured);
      const previous = await this.records.latestSucceeded(tenant.id, site);
      const snapshots: BackupSnapshot[] = [];
      for (const app of apps) {
        const volumes = backupVolumesOf(app.plan);
        if (volumes.length === 0) continue;
        const expectedBytes = previous?.snapshots.find((snapshot) => snapshot.app === app.plan.app)?.totalBytes;
        const result = await this.engine.backup(
          host,
          repository,
          { app: app.plan.app, kind: input.kind, volumes, requireNonEmpty: requiredDumpsOf(app.plan), ...(expectedBytes ? { expectedBytes } : {}) },
          throttled(report, `${site}: ${app.template.name}`),
        );
        snapshots.push({ app: app.plan.app, version: app.instance.version, snapshotId: result.snapshotId, totalBytes: result.totalBytes, bytesAdded: result.bytesAdded, files: result.files, incomplete: result.incomplete });
        await report(`${site}: ${app.template.name} snapshot ${result.snapshotId.slice(0, 8)} (${result.files} files, ${size(result.totalBytes)}, ${size(result.bytesAdded)} new)${result.incomplete ? `; ${result.warnings.length} file(s) unreadable` : ''}`);
      }
      const secrets: AppSecrets = Object.fromEntries(apps.map((app) => [app.plan.app, app.secrets]));
      return await this.records.succeed(backup, snapshots, secrets);
    } catch (error) {
      await this.records.fail(backup, (error as Error).message, failureCode(error));
      throw error;
    }
  }

  /** Records how a backup on a site went: the next time (backoff after failures), and a mail to operators when due. */
  async recordOutcome(tenant: TenantRef, configured: ConfiguredSite, outcome: { backup: Backup } | { error: unknown }, scheduled: boolean, now = new Date()): Promise<void> {
    const site = configured.site.name;
    const state = await this.records.siteState(tenant.id, configured, configured === this.sites.primary(), now);
    if ('backup' in outcome) {
      await this.records.updateState(tenant.id, site, {
        ...afterSuccess(tenant.id, configured.site.schedule, now, scheduled, state),
        lastAttemptAt: now,
        lastSuccessAt: now,
        lastBackupId: outcome.backup.id,
        lastError: null,
        lastErrorCode: null,
      });
      return;
    }
    const message = (outcome.error as Error).message ?? String(outcome.error);
    const code = failureCode(outcome.error);
    const decision = afterFailure(state, now, { alertAfter: this.config.backup.alertAfterFailures, transient: isTransientFailure(outcome.error) });
    await this.records.updateState(tenant.id, site, { ...decision.changes, lastAttemptAt: now, lastError: message.slice(0, 4000), lastErrorCode: code.slice(0, 48) });
    this.logger.warn(`backup of tenant ${tenant.slug} on ${site} failed (${decision.changes.consecutiveFailures} in a row, next at ${decision.changes.retryAt?.toISOString()}): ${message}`);
    if (decision.alert) {
      await this.alerts.send(BACKUP_FAILED_LETTER, {
        tenant: tenant.slug,
        tenantId: tenant.id,
        site,
        failures: String(decision.changes.consecutiveFailures),
        code,
        error: message,
        next: decision.changes.retryAt?.toISOString() ?? '',
      });
    }
  }

  /** forget and prune by the site's retention; append-only sites keep history (their server prunes). */
  async applyRetention(host: EngineEndpoint, tenant: TenantRef, configured: ConfiguredSite): Promise<string> {
    if (configured.site.appendOnly) return `${configured.site.name}: append-only, retention runs where the server runs`;
    const result = await this.engine.forget(host, await this.repository(host, tenant, configured), { prune: true });
    const gone = (await this.records.listFor(tenant.id, 1000)).filter(
      (backup) => backup.site === configured.site.name && backup.state === 'succeeded' && backup.snapshots.some((snapshot) => result.removed.includes(snapshot.snapshotId)),
    );
    await this.records.markForgotten(gone.map((backup) => backup.id));
    return `${configured.site.name}: kept ${result.kept.length} snapshot(s), removed ${result.removed.length}`;
  }

  /** The weekly check, reading a 5 % sample of the data; a damaged repository is told to operators at once. */
  async check(host: EngineEndpoint, tenant: TenantRef, configured: ConfiguredSite, now = new Date()): Promise<CheckResult> {
    const site = configured.site.name;
    try {
      const result = await this.engine.check(host, await this.repository(host, tenant, configured), { readData: '5%' });
      await this.records.updateState(tenant.id, site, { ...afterCheck(tenant.id, configured.site.schedule, now, true), lastCheckAt: now, lastCheckOk: true, lastCheckError: null });
      return result;
    } catch (error) {
      const message = (error as Error).message;
      await this.records.updateState(tenant.id, site, { ...afterCheck(tenant.id, configured.site.schedule, now, false), lastCheckAt: now, lastCheckOk: false, lastCheckError: message.slice(0, 4000) });
      await this.alerts.send(BACKUP_CHECK_FAILED_LETTER, { tenant: tenant.slug, tenantId: tenant.id, site, failures: '1', code: failureCode(error), error: message, next: '' });
      throw error;
    }
  }

  /**
   * Restores every app's backed-up volumes from a backup into `target`'s volumes (the same
   * tenant, or a clone or a drill's scratch tenant). Volumes' contents are replaced.
   */
  async restoreVolumes(host: EngineEndpoint, target: { id: string; slug?: string }, apps: AppDeployment[], backup: Backup, report: Report): Promise<void> {
    const configured = this.sites.find(backup.site);
    if (!configured) throw new PermanentFailure(`backup ${backup.id} is on site "${backup.site}", which is no longer configured`);
    const repository = await this.repository(host, { id: backup.tenantId }, configured);
    for (const app of apps) {
      const snapshot = backup.snapshots.find((candidate) => candidate.app === app.plan.app);
      if (!snapshot) {
        await report(`${app.template.name}: not in this backup; left as it is`);
        continue;
      }
      const result = await this.engine.restore(
        host,
        repository,
        { snapshotId: snapshot.snapshotId, app: app.plan.app, into: restoreTargetsOf(app.plan), ...(target.id !== backup.tenantId ? { intoTenant: target } : {}) },
        throttled(report, `${app.template.name}`),
      );
      await report(`${app.template.name}: ${result.files} files restored (${size(result.bytes)})`);
    }
  }

  /** Loads each app's dumps back through its restore hooks (the apps run). */
  async loadDumps(host: EngineEndpoint, apps: AppDeployment[], report: Report, only?: readonly string[]): Promise<void> {
    for (const app of apps) {
      if (only && !only.includes(app.plan.app)) continue;
      for (const hook of restoreHooksOf(app.plan)) {
        await this.runtime.runHook(host, app.plan, hook);
        await report(`${app.template.name}: ${hook.name} done`);
      }
    }
  }

  /**
   * Deletes every snapshot of the tenant on every site (forget and prune), when its data is to
   * be deleted. An append-only site keeps them: said in the result, for the audit log.
   */
  async forgetAll(host: EngineEndpoint, tenant: TenantRef, report: Report): Promise<{ site: string; removed: number; kept?: string }[]> {
    const outcomes: { site: string; removed: number; kept?: string }[] = [];
    for (const configured of this.sites.all()) {
      const site = configured.site.name;
      const state = (await this.records.statesOf(tenant.id)).find((candidate) => candidate.site === site);
      if (!state) {
        outcomes.push({ site, removed: 0 });
        continue; // never backed up there
      }
      const repository = await this.repository(host, tenant, configured);
      const snapshots = await this.engine.snapshots(host, repository);
      if (snapshots.length && configured.site.appendOnly) {
        outcomes.push({ site, removed: 0, kept: `append-only site: ${snapshots.length} snapshot(s) must be deleted on the server` });
        await report(`${site}: append-only; ${snapshots.length} snapshot(s) are deleted only where the server runs`);
        continue;
      }
      if (snapshots.length) await this.engine.forgetSnapshots(host, repository, { snapshotIds: snapshots.map((snapshot) => snapshot.id), prune: true });
      outcomes.push({ site, removed: snapshots.length });
      await report(`${site}: ${snapshots.length} snapshot(s) forgotten and pruned`);
    }
    const backups = await this.records.listFor(tenant.id, 10_000);
    const deleted = new Set(outcomes.filter((outcome) => !outcome.kept).map((outcome) => outcome.site));
    await this.records.markForgotten(backups.filter((backup) => deleted.has(backup.site) && backup.state === 'succeeded').map((backup) => backup.id));
    return outcomes;
  }

  /**
   * The final backup of a terminated tenant, on every site (kind "final": retention leaves it
   * alone) after its apps were dumped and stopped. Kept until the data is deleted. Succeeds when
   * at least one site has it; when none does the first error is thrown (retried if transient).
   */
  async finalBackups(host: EngineEndpoint, tenant: Tenant, apps: AppDeployment[], operationId: string, keptUntil: Date | null, report: Report): Promise<void> {
    await this.records.abandonRunning(operationId);
    const ref = { id: tenant.id, slug: tenant.slug };
    const kept: string[] = [];
    const errors: { site: string; error: unknown }[] = [];
    for (const configured of this.sites.all()) {
      try {
        const backup = await this.backupOnSite(host, ref, apps, configured, { kind: 'final', operationId, note: `final backup, kept until ${keptUntil?.toISOString() ?? 'the data is deleted'}` }, report);
        await this.recordOutcome(ref, configured, { backup }, false);
        kept.push(`${configured.site.name} (${backup.id})`);
      } catch (error) {
        await this.recordOutcome(ref, configured, { error }, false);
        errors.push({ site: configured.site.name, error });
      }
    }
    if (kept.length === 0) throw errors[0].error;
    await this.audit.record({
      actor: SYSTEM_ACTOR('backups'),
      action: 'tenant.final_backup',
      target: { type: 'tenant', id: tenant.id },
      organizationId: tenant.organizationId,
      details: { kept, failed: errors.map((failure) => `${failure.site}: ${(failure.error as Error).message}`), keptUntil },
    });
    await report(`final backup on ${kept.join(', ')}${errors.length ? `; failed on ${errors.map((failure) => failure.site).join(', ')}` : ''}; kept until ${keptUntil?.toISOString() ?? 'the data is deleted'}`);
  }

  /**
   * When a terminated tenant's retention is over: every snapshot forgotten and pruned on every
   * site, every export deleted; audited. Append-only sites keep theirs (said in the audit log).
   */
  async deleteAll(tenant: Tenant, report: Report): Promise<void> {
    const ref = { id: tenant.id, slug: tenant.slug };
    const outcomes = tenant.dockerHostId ? await this.forgetAll(await this.placement.hostOf(tenant), ref, report) : [];
    await this.store.deletePrefix(tenant.slug);
    await this.dataSource.manager.update(TenantExport, { tenantId: tenant.id }, { state: 'expired', location: null });
    await this.audit.record({
      actor: SYSTEM_ACTOR('backups'),
      action: 'tenant.backups_deleted',
      target: { type: 'tenant', id: tenant.id },
      organizationId: tenant.organizationId,
      details: { sites: outcomes },
    });
    this.logger.log(`deleted all backups and exports of tenant ${tenant.slug}`);
  }
}
