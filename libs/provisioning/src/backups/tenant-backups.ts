import { PassThrough, Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { Backup, BackupKind, DockerHost, Tenant } from '../entities/index.js';
import { ContainerRuntime } from '#runtime';
import { AppDeployment } from '../pipeline/tenant-deployments.js';
import { BackupStore } from './backup-store.port.js';

export interface BackupManifest {
  backupId: string;
  tenant: { id: string; slug: string; primaryDomain: string | null };
  kind: BackupKind;
  createdAt: string;
  apps: { app: string; version: string; volumes: { key: string; file: string; sizeBytes: number; sha256: string }[] }[];
}

/**
 * Backups and exports of a tenant: database dumps through the templates' backup hooks
 * (while the apps run), then a tar per backed-up volume and a manifest, in the backup
 * store. A Backup row is reused across retries, so a resumed operation finishes the
 * same backup instead of starting a second one.
 */
@Injectable()
export class TenantBackups {
  private readonly logger = new Logger(TenantBackups.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runtime: ContainerRuntime,
    private readonly store: BackupStore,
  ) {}

  /** The unfinished backup of this kind, or a new one. */
  async begin(tenant: Tenant, kind: BackupKind, expiresAt: Date | null): Promise<Backup> {
    const open = await this.dataSource.manager.findOne(Backup, { where: { tenantId: tenant.id, kind, state: In(['pending', 'running']) }, order: { createdAt: 'DESC' } });
    if (open) return open;
    return this.dataSource.manager.save(this.dataSource.manager.create(Backup, { tenantId: tenant.id, kind, state: 'pending', expiresAt }));
  }

  /** Runs the backup hooks of every app whose containers run; a stopped app's files are consistent as they are. */
  async dumpDatabases(host: DockerHost, tenant: Tenant, apps: AppDeployment[], report: (message: string) => Promise<void>): Promise<void> {
    const observed = await this.runtime.observe(host, tenant.id);
    for (const app of apps) {
      for (const hook of app.plan.hooks.backup) {
        const running = observed.containers.some((c) => c.app === app.plan.app && c.service === hook.service && c.state === 'running');
        if (!running) {
          await report(`${app.template.name}: ${hook.service} is stopped, its files are consistent without a dump`);
          continue;
        }
        await this.runtime.runHook(host, app.plan, hook);
        await report(`${app.template.name}: ${hook.name} done`);
      }
    }
  }

  /** Archives every backed-up volume and writes the manifest; marks the backup completed. */
  async archive(host: DockerHost, tenant: Tenant, backup: Backup, apps: AppDeployment[], report: (message: string) => Promise<void>): Promise<Backup> {
    // run under the tenant's lock: a helper that exists now was left by a worker that died in an earlier try
    const leftovers = await this.runtime.removeVolumeHelpers(host, tenant.id);
    if (leftovers.length) await report(`removed ${leftovers.length} helper container(s) an interrupted try left`);
    await this.dataSource.manager.update(Backup, backup.id, { state: 'running' });
    const manifest: BackupManifest = {
      backupId: backup.id,
      tenant: { id: tenant.id, slug: tenant.slug, primaryDomain: tenant.primaryDomain },
      kind: backup.kind,
      createdAt: backup.createdAt.toISOString(),
      apps: [],
    };
    let total = 0;
    for (const app of apps) {
      const volumes: BackupManifest['apps'][number]['volumes'] = [];
      for (const volume of app.plan.volumes.filter((v) => v.backup)) {
        const file = `${app.plan.app}-${volume.key}.tar`;
        const tar = new PassThrough();
        const stored = this.store.put(this.key(tenant, backup, file), tar);
        await this.runtime.exportVolume(host, tenant.id, volume.name, tar).catch((error) => {
          tar.destroy(error as Error);
          throw error;
        });
        const object = await stored;
        volumes.push({ key: volume.key, file, sizeBytes: object.sizeBytes, sha256: object.sha256 });
        total += object.sizeBytes;
        await report(`${app.template.name}: ${volume.key} archived (${Math.ceil(object.sizeBytes / 1024)} KiB)`);
      }
      manifest.apps.push({ app: app.plan.app, version: app.instance.version, volumes });
    }
    const stored = await this.store.put(this.key(tenant, backup, 'manifest.json'), Readable.from([JSON.stringify(manifest, null, 2)]));
    await this.dataSource.manager.update(Backup, backup.id, {
      state: 'completed',
      completedAt: new Date(),
      sizeBytes: total + stored.sizeBytes,
      location: stored.location,
      sha256: stored.sha256,
    });
    return this.dataSource.manager.findOneOrFail(Backup, { where: { id: backup.id } });
  }

  /** Deletes every backup of the tenant from the store and marks them expired. */
  async deleteAll(tenant: Tenant): Promise<void> {
    await this.store.deletePrefix(tenant.slug);
    await this.dataSource.manager.update(Backup, { tenantId: tenant.id }, { state: 'expired', location: null });
    this.logger.log(`deleted all backups of tenant ${tenant.slug}`);
  }

  private key(tenant: Tenant, backup: Backup, file: string): string {
    return `${tenant.slug}/${backup.id}/${file}`;
  }
}
