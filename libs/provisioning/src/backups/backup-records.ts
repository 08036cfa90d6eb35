import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AppConfig, SecretBox } from '#platform';
import { Backup, BackupSiteState, RestoreDrill, type BackupKind, type BackupSnapshot } from '../entities/index.js';
import { initialSchedule } from './backup-policy.js';
import type { ConfiguredSite } from './backup-sites.js';

const passwordAad = (tenantId: string, site: string) => `backup_site_state:${tenantId}:${site}`;
const secretsAad = (backupId: string) => `backup:${backupId}`;

/** app -> its secrets, as a backup keeps them. */
export type AppSecrets = Record<string, Record<string, string>>;

/**
 * The backup tables: each tenant's state per site (with its repository password, generated
 * here and sealed), the backups with their snapshots and sealed secrets, the drills.
 */
@Injectable()
export class BackupRecords {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secretBox: SecretBox,
    private readonly config: AppConfig,
  ) {}

  /** The tenant's state on the site, created with a new repository password on first use. */
  async siteState(tenantId: string, configured: ConfiguredSite, primary: boolean, now = new Date()): Promise<BackupSiteState> {
    const name = configured.site.name;
    const existing = await this.dataSource.manager.findOne(BackupSiteState, { where: { tenantId, site: name } });
    if (existing) return existing;
    // 32 random bytes: restic derives the key with scrypt, the password itself needs no stretching
    const password = randomBytes(32).toString('base64url');
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(BackupSiteState)
      .values({ tenantId, site: name, sealedPassword: this.secretBox.seal(password, passwordAad(tenantId, name)), ...initialSchedule(tenantId, configured.site.schedule, now, primary) })
      .orIgnore() // a concurrent first use keeps the password that was stored first
      .execute();
    return this.dataSource.manager.findOneOrFail(BackupSiteState, { where: { tenantId, site: name } });
  }

  async repositoryPassword(tenantId: string, site: string): Promise<string> {
    const row = await this.dataSource.manager
      .createQueryBuilder(BackupSiteState, 's')
      .addSelect('s.sealedPassword')
      .where('s.tenantId = :tenantId and s.site = :site', { tenantId, site })
      .getOneOrFail();
    return this.secretBox.open(row.sealedPassword, passwordAad(tenantId, site));
  }

  async updateState(tenantId: string, site: string, changes: Partial<BackupSiteState>): Promise<void> {
    await this.dataSource.manager.update(BackupSiteState, { tenantId, site }, changes);
  }

  statesOf(tenantId: string): Promise<BackupSiteState[]> {
    return this.dataSource.manager.find(BackupSiteState, { where: { tenantId }, order: { site: 'ASC' } });
  }

  async begin(input: { tenantId: string; site: string; kind: BackupKind; operationId: string | null; note?: string }): Promise<Backup> {
    return this.dataSource.manager.save(
      this.dataSource.manager.create(Backup, { tenantId: input.tenantId, site: input.site, kind: input.kind, state: 'running', snapshots: [], operationId: input.operationId, note: input.note ?? null }),
    );
  }

  async succeed(backup: Backup, snapshots: BackupSnapshot[], secrets: AppSecrets): Promise<Backup> {
    const finishedAt = new Date();
    await this.dataSource.manager.update(Backup, backup.id, {
      state: 'succeeded',
      snapshots,
      sealedSecrets: this.secretBox.sealJson(secrets, secretsAad(backup.id)),
      sizeBytes: snapshots.reduce((sum, snapshot) => sum + snapshot.totalBytes, 0),
      finishedAt,
      durationMs: finishedAt.getTime() - backup.createdAt.getTime(),
    });
    return this.dataSource.manager.findOneByOrFail(Backup, { id: backup.id });
  }

  async fail(backup: Backup, error: string, code: string): Promise<void> {
    const finishedAt = new Date();
    await this.dataSource.manager.update(Backup, backup.id, { state: 'failed', error: error.slice(0, 4000), errorCode: code.slice(0, 48), finishedAt, durationMs: finishedAt.getTime() - backup.createdAt.getTime() });
  }

  /** Backups an interrupted run left "running": they never finished. */
  async abandonRunning(operationId: string): Promise<void> {
    await this.dataSource.manager.update(Backup, { operationId, state: 'running' }, { state: 'failed', error: 'interrupted (the worker stopped); started again', errorCode: 'interrupted', finishedAt: new Date() });
  }

  async markForgotten(ids: string[]): Promise<void> {
    if (ids.length) await this.dataSource.manager.update(Backup, { id: In(ids) }, { state: 'forgotten', sealedSecrets: null });
  }

  find(id: string): Promise<Backup | null> {
    return this.dataSource.manager.findOne(Backup, { where: { id } });
  }

  /** The apps' secrets as they were when the backup was made. */
  async secretsOf(backupId: string): Promise<AppSecrets> {
    const row = await this.dataSource.manager.createQueryBuilder(Backup, 'b').addSelect('b.sealedSecrets').where('b.id = :id', { id: backupId }).getOneOrFail();
    if (!row.sealedSecrets) throw new Error(`backup ${backupId} keeps no secrets (forgotten)`);
    return this.secretBox.openJson<AppSecrets>(row.sealedSecrets, secretsAad(backupId));
  }

  listFor(tenantId: string, limit = 100): Promise<Backup[]> {
    return this.dataSource.manager.find(Backup, { where: { tenantId }, order: { createdAt: 'DESC' }, take: limit });
  }

  forOperation(operationId: string): Promise<Backup[]> {
    return this.dataSource.manager.find(Backup, { where: { operationId }, order: { createdAt: 'ASC' } });
  }

  /** The newest backup that succeeded (on one site, or any). */
  latestSucceeded(tenantId: string, site?: string): Promise<Backup | null> {
    return this.dataSource.manager.findOne(Backup, { where: { tenantId, state: 'succeeded', ...(site ? { site } : {}) }, order: { createdAt: 'DESC' } });
  }

  // ---- drills ----

  startDrill(input: { tenantId: string; site: string; backupId: string | null; scratchTenantId: string; operationId: string }): Promise<RestoreDrill> {
    return this.dataSource.manager.save(this.dataSource.manager.create(RestoreDrill, { ...input, state: 'running', probes: [] }));
  }

  drillOf(operationId: string): Promise<RestoreDrill | null> {
    return this.dataSource.manager.findOne(RestoreDrill, { where: { operationId }, order: { createdAt: 'DESC' } });
  }

  async finishDrill(drill: RestoreDrill, changes: Pick<RestoreDrill, 'state' | 'probes' | 'error'>): Promise<RestoreDrill> {
    const finishedAt = new Date();
    await this.dataSource.manager.update(RestoreDrill, drill.id, { ...changes, error: changes.error?.slice(0, 4000) ?? null, finishedAt, durationMs: finishedAt.getTime() - drill.createdAt.getTime() });
    return this.dataSource.manager.findOneByOrFail(RestoreDrill, { id: drill.id });
  }

  async drillCleanedUp(drillId: string): Promise<void> {
    await this.dataSource.manager.update(RestoreDrill, drillId, { cleanedUpAt: new Date() });
  }

  drillsFor(tenantId: string, limit = 20): Promise<RestoreDrill[]> {
    return this.dataSource.manager.find(RestoreDrill, { where: { tenantId }, order: { createdAt: 'DESC' }, take: limit });
  }

  latestPassedDrill(tenantId: string): Promise<RestoreDrill | null> {
    return this.dataSource.manager.findOne(RestoreDrill, { where: { tenantId, state: 'passed' }, order: { createdAt: 'DESC' } });
  }

  /** Scratch objects whose drill never recorded their removal (a worker died mid-drill). */
  uncleanedDrills(olderThan: Date): Promise<RestoreDrill[]> {
    return this.dataSource.manager
      .createQueryBuilder(RestoreDrill, 'd')
      .where('d.cleanedUpAt is null and d.createdAt < :olderThan', { olderThan })
      .andWhere(`(d.state <> 'running' or d.createdAt < :stale)`, { stale: new Date(olderThan.getTime() - 6 * 3600_000) })
      .getMany();
  }

  get exportKeepDays(): number {
    return this.config.backup.exportKeepDays;
  }
}
