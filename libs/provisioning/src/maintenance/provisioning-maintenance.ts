import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull, LessThanOrEqual, Not } from 'typeorm';
import { Operation, Tenant } from '../entities/index.js';
import { retentionOver } from '#domain';
import { AppConfig } from '#platform';
import { Scheduler } from '#platform/jobs';
import { ContainerRuntime } from '#runtime';
import { OperationKind } from '../operations/operation-kinds.js';
import { OperationsService } from '../operations/operations.service.js';
import { driftProblems } from '../pipeline/drift-problems.js';
import { OperationRecovery } from '../pipeline/operation-recovery.js';
import { Placement } from '../pipeline/placement.js';
import { TenantDeployments } from '../pipeline/tenant-deployments.js';

/**
 * The reconcile loop, a scheduler task of the worker: every interval it recovers interrupted
 * operations, purges tenants whose retention is over, and compares every running tenant with its
 * plan, starting a reconcile operation where they differ. Safe to run at any moment, any number of times.
 */
@Injectable()
export class ProvisioningMaintenance implements OnModuleInit {
  private readonly logger = new Logger(ProvisioningMaintenance.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly operations: OperationsService,
    private readonly recovery: OperationRecovery,
    private readonly deployments: TenantDeployments,
    private readonly runtime: ContainerRuntime,
    private readonly placement: Placement,
    private readonly scheduler: Scheduler,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: 'provisioning.reconcile', intervalMs: this.config.reconcileIntervalSeconds * 1000, run: () => this.pass() });
  }

  /** One pass of the loop. */
  async pass(): Promise<void> {
    await this.recovery.recover();
    await this.purgeExpired();
    await this.detectDrift();
  }

  /** Terminating tenants past their retention whose final export is done get a purge operation. */
  async purgeExpired(now = new Date()): Promise<string[]> {
    const due = await this.dataSource.manager.find(Tenant, { where: { state: 'terminating', deleteDataAfter: LessThanOrEqual(now) } });
    const started: string[] = [];
    for (const tenant of due) {
      const operations = await this.dataSource.manager.find(Operation, { where: { targetId: tenant.id, kind: In(['terminate', 'purge']) } });
      const exported = operations.some((op) => op.kind === 'terminate' && op.state === 'succeeded');
      const purging = operations.some((op) => op.kind === 'purge' && (op.state === 'queued' || op.state === 'running'));
      if (!retentionOver(tenant, exported, now) || purging) continue;
      started.push((await this.start(tenant, 'purge')).id);
    }
    return started;
  }

  /** Running tenants whose containers differ from their plan get a reconcile operation. */
  async detectDrift(): Promise<string[]> {
    const tenants = await this.dataSource.manager.find(Tenant, { where: { state: In(['active', 'past_due', 'suspended']), dockerHostId: Not(IsNull()) } });
    const started: string[] = [];
    for (const tenant of tenants) {
      if ((await this.operations.unfinishedFor(tenant.id)).length) continue;
      try {
        if (await this.drifted(tenant)) started.push((await this.start(tenant, 'reconcile')).id);
      } catch (error) {
        this.logger.warn(`could not compare tenant ${tenant.slug}: ${(error as Error).message}`);
      }
    }
    return started;
  }

  private async drifted(tenant: Tenant): Promise<boolean> {
    const host = await this.placement.hostOf(tenant);
    const shouldRun = tenant.state !== 'suspended';
    for (const app of await this.deployments.load(tenant)) {
      if (driftProblems(await this.runtime.drift(host, app.plan), shouldRun).length > 0) return true;
    }
    // a suspended tenant must have nothing running
    return !shouldRun && (await this.runtime.observe(host, tenant.id)).containers.some((c) => c.state === 'running');
  }

  private start(tenant: Tenant, kind: OperationKind): Promise<Operation> {
    return this.operations.start({ kind, target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy: null });
  }
}
