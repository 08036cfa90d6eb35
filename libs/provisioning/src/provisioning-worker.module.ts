import { Module } from '@nestjs/common';
import { TenantBackups } from './backups/tenant-backups.js';
import { LifecycleHandlers } from './pipeline/handlers/index.js';
import { OperationRecovery } from './pipeline/operation-recovery.js';
import { OperationRunner } from './pipeline/operation-runner.js';
import { OPERATION_HANDLERS, OperationWorker } from './pipeline/operation-worker.js';
import { Placement } from './pipeline/placement.js';
import { ProvisioningMaintenance } from './pipeline/provisioning-maintenance.js';
import { ServiceInstances } from './pipeline/service-instances.js';
import { TenantDeployments } from './pipeline/tenant-deployments.js';

/** The worker side: runs operations from the queue, recovers interrupted ones, reconciles. */
@Module({
  providers: [
    OperationRunner,
    OperationRecovery,
    OperationWorker,
    ProvisioningMaintenance,
    Placement,
    ServiceInstances,
    TenantDeployments,
    TenantBackups,
    ...LifecycleHandlers,
    { provide: OPERATION_HANDLERS, useFactory: (...handlers: unknown[]) => handlers, inject: LifecycleHandlers },
  ],
  exports: [OperationRunner, ProvisioningMaintenance, OperationRecovery],
})
export class ProvisioningWorkerModule {}
