import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLog, Domain, Operation, ServiceInstance, Tenant } from '#domain';
import { OperationsController } from './operations/operations.controller.js';
import { OperationsService } from './operations/operations.service.js';
import { JobQueue } from './queue/job-queue.js';
import { TenantLifecycleService } from './tenants/tenant-lifecycle.service.js';
import { TenantsController } from './tenants/tenants.controller.js';
import { TenantsService } from './tenants/tenants.service.js';

/** Tenants, their lifecycle, and the long-running operations that carry it out. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Tenant, ServiceInstance, Domain, Operation])],
  controllers: [TenantsController, OperationsController],
  providers: [JobQueue, OperationsService, TenantsService, TenantLifecycleService, AuditLog],
  exports: [JobQueue, OperationsService, TenantsService, TenantLifecycleService],
})
export class ProvisioningModule {}
