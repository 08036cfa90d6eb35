import { Module } from '@nestjs/common';
import { BackupModule } from '#backup/module';
import { CatalogModule } from '#catalog';
import { AuditModule } from '#domain';
import { IdentityModule } from '#identity';
import { JobsModule } from '#platform/jobs';
import { RuntimeModule } from '#runtime/docker';
import { BackupAlerts } from './backups/backup-alerts.js';
import { BackupScheduler } from './backups/backup-scheduler.js';
import { TenantBackups } from './backups/tenant-backups.js';
import { EdgeMaintenance } from './edge/edge-maintenance.js';
import { HostPorts } from './edge/host-ports.js';
import { TenantEdge } from './edge/tenant-edge.js';
import { DomainRechecks } from './domains/domain-rechecks.js';
import { ReadinessSchedule } from './domains/readiness/readiness-schedule.js';
import { HostMonitor } from './maintenance/host-monitor.js';
import { ProvisioningMaintenance } from './maintenance/provisioning-maintenance.js';
import { LifecycleHandlers } from './pipeline/handlers/index.js';
import { OperationRecovery } from './pipeline/operation-recovery.js';
import { OperationRunner } from './pipeline/operation-runner.js';
import { OPERATION_HANDLERS, OperationWorker } from './pipeline/operation-worker.js';
import { EngineProbe, PingingEngineProbe } from './pipeline/engine-probe.js';
import { Placement } from './pipeline/placement.js';
import { PostgresTenantLocks, TenantLocks } from './pipeline/tenant-locks.js';
import { ServiceInstances } from './pipeline/service-instances.js';
import { ProvisioningModule } from './provisioning.module.js';
import { RolloutDriver } from './upgrades/rollout-driver.js';

/** The worker side: runs operations from the queue, recovers interrupted ones, reconciles, watches hosts. */
@Module({
  imports: [ProvisioningModule, IdentityModule, CatalogModule, RuntimeModule, JobsModule, AuditModule, BackupModule],
  providers: [
    OperationRunner,
    { provide: TenantLocks, useClass: PostgresTenantLocks },
    { provide: EngineProbe, useClass: PingingEngineProbe },
    OperationRecovery,
    OperationWorker,
    ProvisioningMaintenance,
    HostMonitor,
    Placement,
    ServiceInstances,
    TenantBackups,
    HostPorts,
    TenantEdge,
    EdgeMaintenance,
    DomainRechecks,
    ReadinessSchedule,
    BackupAlerts,
    BackupScheduler,
    RolloutDriver,
    ...LifecycleHandlers,
    { provide: OPERATION_HANDLERS, useFactory: (...handlers: unknown[]) => handlers, inject: LifecycleHandlers },
  ],
  exports: [OperationRunner, ProvisioningMaintenance, OperationRecovery, EdgeMaintenance, DomainRechecks, ReadinessSchedule, BackupScheduler, TenantBackups, RolloutDriver],
})
export class ProvisioningWorkerModule {}
