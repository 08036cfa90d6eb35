import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogModule } from '#catalog';
import { AuditModule } from '#domain';
import { IdentityModule } from '#identity';
import { SecretBox } from '#platform';
import { JobsModule } from '#platform/jobs';
import { RuntimeModule } from '#runtime/docker';
import { BackupActions } from './backups/backup-actions.js';
import { BackupRecords } from './backups/backup-records.js';
import { BackupSites } from './backups/backup-sites.js';
import { BackupStatusService } from './backups/backup-status.js';
import { BackupStore } from './backups/backup-store.port.js';
import { BackupsController } from './backups/backups.controller.js';
import { ExportsController } from './backups/exports.controller.js';
import { LocalBackupStore } from './backups/local-backup-store.js';
import { TenantDeployments } from './pipeline/tenant-deployments.js';
import { AdminCredentialsController } from './credentials/admin-credentials.controller.js';
import { AdminCredentialsService } from './credentials/admin-credentials.service.js';
import { PROVISIONING_ENTITIES } from './entities/index.js';
import { DockerHostsController } from './hosts/docker-hosts.controller.js';
import { DockerHostsService } from './hosts/docker-hosts.service.js';
import { GracePeriods } from './maintenance/grace-periods.js';
import { OperationsController } from './operations/operations.controller.js';
import { OperationJournal } from './operations/operation-journal.js';
import { OperationsService } from './operations/operations.service.js';
import { TenantDirectory } from './tenants/tenant-directory.js';
import { TenantLifecycleService } from './tenants/tenant-lifecycle.service.js';
import { TenantsController } from './tenants/tenants.controller.js';
import { TenantsService } from './tenants/tenants.service.js';

/** Tenants, their lifecycle, Docker hosts, and the long-running operations that carry it out (api and worker). */
@Module({
  imports: [IdentityModule, CatalogModule, AuditModule, JobsModule, RuntimeModule, TypeOrmModule.forFeature(PROVISIONING_ENTITIES)],
  controllers: [TenantsController, OperationsController, AdminCredentialsController, ExportsController, BackupsController, DockerHostsController],
  providers: [
    OperationsService,
    { provide: OperationJournal, useExisting: OperationsService },
    TenantsService,
    { provide: TenantDirectory, useExisting: TenantsService },
    TenantLifecycleService,
    AdminCredentialsService,
    DockerHostsService,
    GracePeriods,
    SecretBox,
    { provide: BackupStore, useClass: LocalBackupStore },
    TenantDeployments,
    BackupSites,
    BackupRecords,
    BackupStatusService,
    BackupActions,
  ],
  exports: [
    RuntimeModule, OperationsService, OperationJournal, TenantsService, TenantDirectory, TenantLifecycleService, AdminCredentialsService, DockerHostsService, GracePeriods, SecretBox, BackupStore,
    TenantDeployments, BackupSites, BackupRecords, BackupStatusService,
  ],
})
export class ProvisioningModule {}
