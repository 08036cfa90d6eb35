import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull, LessThanOrEqual, Not } from 'typeorm';
import { retentionOver, SYSTEM_ACTOR } from '#domain';
import { AppConfig } from '#platform';
import { Scheduler } from '#platform/jobs';
import { ContainerRuntime, isEngineUnreachable, liveHealth } from '#runtime';
import { Operation, Tenant } from '../entities/index.js';
import { OperationKind } from '../operations/operation-kinds.js';
import { OperationsService } from '../operations/operations.service.js';
import { driftProblems } from '../pipeline/drift-problems.js';
import { Placement } from '../pipeline/placement.js';
import { ServiceInstances } from '../pipeline/service-instances.js';
import { TenantDeployments } from '../pipeline/tenant-deployments.js';
import { TenantLocks } from '../pipeline/tenant-locks.js';
import { TenantLifecycleService } from '../tenants/tenant-lifecycle.service.js';
import { automaticRetryDue, MAX_AUTOMATIC_RETRIES } from './auto-retry.js';

const ACTOR = SYSTEM_ACTOR('reconcile');
/** Instance states whose containers should run and whose health the loop records. */
const RUNNING_STATES = ['running', 'unhealthy'];

/**
 * The reconcile loop, a scheduler task of the worker: every interval it purges tenants whose
 * retention is over, provisions again (bounded) tenants that failed for a cause that may pass,
 * and compares every deployed tenant with its plan and with the engine's live state: it records
 * each service's health (restarts, OOM kills, failing checks), removes volume helpers an
 * interrupted export left, and starts a reconcile operation where containers differ from the
 * plan (missing, outdated, stopped, limits changed). Safe to run at any moment, any number of times.
 * (Interrupted operations are recovered by the worker's recovery task.)
 */
@Injectable()
export class ProvisioningMaintenance implements OnModuleInit {
  private readonly logger = new Logger(ProvisioningMaintenance.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly operations: OperationsService,
    private readonly deployments: TenantDeployments,
    private readonly runtime: ContainerRuntime,
    private readonly placement: Placement,
    private readonly scheduler: Scheduler,
    private readonly instances: ServiceInstances,
    private readonly locks: TenantLocks,
    private readonly lifecycle: TenantLifecycleService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: 'provisioning.reconcile', intervalMs: this.config.reconcileIntervalSeconds * 1000, run: () => this.pass() });
  }

  /** One pass of the loop. */
  async pass(): Promise<void> {
    await this.purgeExpired();
    await this.retryTransientFailures();
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

  /**
   * Failed tenants whose last provisioning failed for a cause that may pass (see
   * OperationFailureKind) are provisioned again, at most MAX_AUTOMATIC_RETRIES times, each
   * after a longer pause. A permanent failure waits for a person (POST .../retry).
   */
  async retryTransientFailures(now = new Date()): Promise<string[]> {
    const failed = await this.dataSource.manager.find(Tenant, { where: { state: 'failed' } });
    const started: string[] = [];
    for (const tenant of failed) {
      const provisions = await this.dataSource.manager.find(Operation, { where: { targetId: tenant.id, kind: 'provision' }, order: { createdAt: 'DESC' } });
      const latest = provisions[0];
      if (!latest || latest.state !== 'failed' || latest.failureKind !== 'transient') continue;
      const transient = provisions.filter((op) => op.state === 'failed' && op.failureKind === 'transient');
      if (!automaticRetryDue(transient.map((op) => op.finishedAt ?? op.updatedAt), now, this.config.reconcileIntervalSeconds * 1000)) continue;
      const reason = `automatic retry ${transient.length} of ${MAX_AUTOMATIC_RETRIES}: the last attempt failed for a cause that may pass (${latest.error ?? 'unknown'})`;
      const result = await this.lifecycle.transition(tenant.id, 'retry_provisioning', ACTOR, { ifAllowed: true, reason });
      if (result.operation) {
        started.push(result.operation.id);
        this.logger.warn(`tenant ${tenant.slug}: ${reason}`);
      }
    }
    return started;
  }

  /** Deployed tenants: records live health, removes leftover helpers, and starts a reconcile where containers differ from the plan. */
  async detectDrift(): Promise<string[]> {
    const tenants = await this.dataSource.manager.find(Tenant, { where: { state: In(['active', 'past_due', 'suspended']), dockerHostId: Not(IsNull()) } });
    const started: string[] = [];
    for (const tenant of tenants) {
      if ((await this.operations.unfinishedFor(tenant.id)).length) continue;
      try {
        if (await this.inspect(tenant)) started.push((await this.start(tenant, 'reconcile')).id);
      } catch (error) {
        // an engine that does not answer is reported once by the host check, not per tenant and pass
        if (!isEngineUnreachable(error)) this.logger.warn(`could not compare tenant ${tenant.slug}: ${(error as Error).message}`);
      }
    }
    return started;
  }

  /** Looks at one tenant on its host; true when its containers differ from its plan. */
  private async inspect(tenant: Tenant): Promise<boolean> {
    const host = await this.placement.hostOf(tenant);
    const shouldRun = tenant.state !== 'suspended';
    const observed = await this.runtime.observe(host, tenant.id);
    if (observed.containers.some((container) => container.role === 'volume-helper')) {
      // only while no operation of the tenant runs (an export of its own would be using them)
      await this.locks.withLock(tenant.id, () => this.runtime.removeVolumeHelpers(host, tenant.id));
    }
    const now = new Date();
    let drifted = false;
    for (const app of await this.deployments.load(tenant)) {
      if (driftProblems(await this.runtime.drift(host, app.plan), shouldRun).length > 0) drifted = true;
      if (shouldRun && RUNNING_STATES.includes(app.instance.state)) {
        const verdict = liveHealth(app.plan, observed.containers, now);
        if (verdict.health !== 'healthy' && verdict.problems.join('; ') !== (app.instance.healthDetail ?? '')) {
          this.logger.warn(`tenant ${tenant.slug}, ${app.template.name}: ${verdict.health}: ${verdict.problems.join('; ')}`);
        }
        await this.instances.recordHealth(app.instance, verdict, now);
      }
    }
    // a suspended tenant must have nothing running
    return drifted || (!shouldRun && observed.containers.some((container) => container.state === 'running' && container.role !== 'volume-helper'));
  }

  private start(tenant: Tenant, kind: OperationKind): Promise<Operation> {
    return this.operations.start({ kind, target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy: null });
  }
}
