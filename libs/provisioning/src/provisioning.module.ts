import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminCredential, AuditLog, Backup, DockerHost, Domain, Operation, ServiceInstance, Tenant } from '#domain';
import { SecretBox } from '#platform';
import { RuntimeModule } from '#runtime/docker';
import { BackupStore } from './backups/backup-store.port.js';
import { ExportsController } from './backups/exports.controller.js';
import { LocalBackupStore } from './backups/local-backup-store.js';
import { AdminCredentialsController } from './credentials/admin-credentials.controller.js';
import { AdminCredentialsService } from './credentials/admin-credentials.service.js';
import { DockerHostsController } from './hosts/docker-hosts.controller.js';
import { DockerHostsService } from './hosts/docker-hosts.service.js';
import { OperationsController } from './operations/operations.controller.js';
import { OperationsService } from './operations/operations.service.js';
import { JobQueue } from './queue/job-queue.js';
import { TenantLifecycleService } from './tenants/tenant-lifecycle.service.js';
import { TenantsController } from './tenants/tenants.controller.js';
import { TenantsService } from './tenants/tenants.service.js';

/** Tenants, their lifecycle, and the long-running operations that carry it out (api and worker). */
@Global()
@Module({
  imports: [RuntimeModule, TypeOrmModule.forFeature([Tenant, ServiceInstance, Domain, Operation, AdminCredential, Backup, DockerHost])],
  controllers: [TenantsController, OperationsController, AdminCredentialsController, ExportsController, DockerHostsController],
  providers: [
    JobQueue,
    OperationsService,
    TenantsService,
    TenantLifecycleService,
    AdminCredentialsService,
    DockerHostsService,
    AuditLog,
    SecretBox,
    { provide: BackupStore, useClass: LocalBackupStore },
  ],
  exports: [RuntimeModule, JobQueue, OperationsService, TenantsService, TenantLifecycleService, AdminCredentialsService, DockerHostsService, SecretBox, BackupStore],
})
export class ProvisioningModule {}
