import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogModule } from '#catalog';
import { AuditModule } from '#domain';
import { IdentityModule } from '#identity';
import { EdgeModule } from '#edge/module';
import { AppConfig, SecretBox } from '#platform';
import { JobsModule } from '#platform/jobs';
import { LimitsModule } from '#platform/limits';
import { RuntimeModule } from '#runtime/docker';
import { BackupActions } from './backups/backup-actions.js';
import { BackupRecords } from './backups/backup-records.js';
import { BackupSites } from './backups/backup-sites.js';
import { BackupStatusService } from './backups/backup-status.js';
import { BackupStore } from './backups/backup-store.port.js';
import { BackupsController } from './backups/backups.controller.js';
import { UpgradeNotices } from './upgrades/upgrade-notices.js';
import { UpgradesController } from './upgrades/upgrades.controller.js';
import { UpgradesService } from './upgrades/upgrades.service.js';
import { ExportsController } from './backups/exports.controller.js';
import { LocalBackupStore } from './backups/local-backup-store.js';
import { TenantDeployments } from './pipeline/tenant-deployments.js';
import { AdminCredentialsController } from './credentials/admin-credentials.controller.js';
import { AdminCredentialsService } from './credentials/admin-credentials.service.js';
import { AdminPasswordReset } from './credentials/admin-password-reset.js';
import { PostgresTenantLocks, TenantLocks } from './pipeline/tenant-locks.js';
import { CustomDomainsController } from './domains/custom-domains.controller.js';
import { CustomDomainsService } from './domains/custom-domains.service.js';
import { DnsResolver } from './domains/dns-resolver.port.js';
import { DomainServingListener } from './domains/domain-serving.listener.js';
import { NodeDnsResolver } from './domains/node-dns-resolver.js';
import { ReadinessController } from './domains/readiness/readiness.controller.js';
import { ReadinessSettings } from './domains/readiness/readiness-settings.js';
import { ReadinessService } from './domains/readiness/readiness.service.js';
import { OwnerAddresses } from './domains/owner-addresses.service.js';
import { PROVISIONING_ENTITIES } from './entities/index.js';
import { EdgeController } from './edge/edge.controller.js';
import { edgeOptionsOf } from './edge/edge-options.js';
import { EdgeDomainServingListener, EdgeReadinessSettings } from './edge/edge-wiring.js';
import { DockerHostsController } from './hosts/docker-hosts.controller.js';
import { DockerHostsService } from './hosts/docker-hosts.service.js';
import { GracePeriods } from './maintenance/grace-periods.js';
import { FleetController } from './fleet/fleet.controller.js';
import { FleetQueries } from './fleet/fleet-queries.js';
import { OperationRetries } from './operations/operation-retries.js';
import { OperationsController } from './operations/operations.controller.js';
import { OperationAlerts } from './operations/operation-alerts.js';
import { OperationJournal } from './operations/operation-journal.js';
import { OperationsService } from './operations/operations.service.js';
import { TenantDirectory } from './tenants/tenant-directory.js';
import { TenantLifecycleService } from './tenants/tenant-lifecycle.service.js';
import { TenantTransitionHooks } from './tenants/tenant-transitions.js';
import { TenantsController } from './tenants/tenants.controller.js';
import { TenantsService } from './tenants/tenants.service.js';
import { ClubInstances } from './tenants/club-instances.js';

/** Tenants, their lifecycle, Docker hosts, and the long-running operations that carry it out (api and worker). */
@Module({
  imports: [
    IdentityModule, CatalogModule, AuditModule, JobsModule, LimitsModule, RuntimeModule, TypeOrmModule.forFeature(PROVISIONING_ENTITIES),
    EdgeModule.forRootAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => edgeOptionsOf(config) }),
  ],
  controllers: [TenantsController, OperationsController, AdminCredentialsController, ExportsController, BackupsController, DockerHostsController, EdgeController, CustomDomainsController, ReadinessController, UpgradesController, FleetController],
  providers: [
    OperationAlerts,
    OperationsService,
    { provide: OperationJournal, useExisting: OperationsService },
    TenantsService,
    { provide: TenantDirectory, useExisting: TenantsService },
    TenantLifecycleService,
    TenantTransitionHooks,
    AdminCredentialsService,
    // the dashboard's admin password reset takes the tenant's lock, as the worker's operations do
    { provide: TenantLocks, useClass: PostgresTenantLocks },
    AdminPasswordReset,
    ClubInstances,
    DockerHostsService,
    GracePeriods,
    SecretBox,
    { provide: BackupStore, useClass: LocalBackupStore },
    // custom domains and readiness checks; the edge wiring replaces the listener and the settings
    { provide: DnsResolver, useClass: NodeDnsResolver },
    // a verified or withdrawn domain wakes the edge's reconcile loop; probes use the edge's ports and CA
    { provide: DomainServingListener, useClass: EdgeDomainServingListener },
    { provide: ReadinessSettings, useClass: EdgeReadinessSettings },
    CustomDomainsService,
    ReadinessService,
    OwnerAddresses,
    TenantDeployments,
    BackupSites,
    BackupRecords,
    BackupStatusService,
    BackupActions,
    UpgradeNotices,
    UpgradesService,
    FleetQueries,
    OperationRetries,
  ],
  exports: [
    RuntimeModule, EdgeModule, OperationsService, OperationJournal, TenantsService, TenantDirectory, TenantLifecycleService, TenantTransitionHooks, AdminCredentialsService, AdminPasswordReset, ClubInstances, DockerHostsService, GracePeriods, SecretBox, BackupStore,
    DnsResolver, CustomDomainsService, ReadinessService, OwnerAddresses,
    TenantDeployments, BackupSites, BackupRecords, BackupStatusService, UpgradeNotices, UpgradesService, FleetQueries, OperationRetries,
  ],
})
export class ProvisioningModule {}
