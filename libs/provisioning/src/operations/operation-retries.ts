import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog, type AuditActor } from '#domain';
import { InvalidStateError, NotFoundError } from '#platform';
import { BackupActions } from '../backups/backup-actions.js';
import { Operation, Tenant } from '../entities/index.js';
import { TenantLifecycleService } from '../tenants/tenant-lifecycle.service.js';
import { UpgradesService } from '../upgrades/upgrades.service.js';
import type { OperationKind } from './operation-kinds.js';
import { retryPlan } from './operation-retry.js';
import { OperationsService } from './operations.service.js';

/**
 * An operator's "retry" of a failed operation (the console's button, POST
 * /api/v1/operations/:id/retry): decided by `retryPlan`, run through the door the operation
 * came in by, and audited as `operation.retried` on the failed operation with the new one's id.
 * The failed operation's row is locked meanwhile, so two clicks start one retry: the second
 * sees the first's operation and is refused.
 */
@Injectable()
export class OperationRetries {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly operations: OperationsService,
    private readonly lifecycle: TenantLifecycleService,
    private readonly upgrades: UpgradesService,
    private readonly backups: BackupActions,
    private readonly audit: AuditLog,
  ) {}

  async retry(operationId: string, actor: AuditActor): Promise<Operation> {
    return this.dataSource.transaction(async (manager) => {
      const failed = await manager.findOne(Operation, { where: { id: operationId }, lock: { mode: 'pessimistic_write' } });
      if (!failed) throw new NotFoundError('Operation', operationId);
      const tenant = failed.targetType === 'tenant' ? await manager.findOne(Tenant, { where: { id: failed.targetId } }) : null;
      // compared in SQL: created_at has microseconds, a JS Date only milliseconds
      const [later]: { id: string; state: Operation['state'] }[] = await manager.query(
        `select n.id, n.state from operation n, operation f
          where f.id = $1 and n.target_type = f.target_type and n.target_id = f.target_id and n.kind = f.kind and n.created_at > f.created_at
          order by n.created_at asc limit 1`,
        [failed.id],
      );
      const plan = retryPlan(failed, tenant, later ?? null);
      if (plan.kind === 'refused') throw new InvalidStateError(plan.code, plan.message);
      const retry = await this.start(manager, plan, failed, tenant!, actor);
      await this.audit.record(
        {
          actor,
          action: 'operation.retried',
          target: { type: 'operation', id: failed.id },
          organizationId: failed.organizationId,
          details: { kind: failed.kind, tenant: tenant!.slug, error: failed.error?.slice(0, 500) ?? null, retry: retry.id },
        },
        manager,
      );
      return retry;
    });
  }

  private async start(manager: EntityManager, plan: Exclude<ReturnType<typeof retryPlan>, { kind: 'refused' }>, failed: Operation, tenant: Tenant, actor: AuditActor): Promise<Operation> {
    const requestedBy = actor.type === 'account' ? actor.id : null;
    const reason = `retry of operation ${failed.id}`;
    switch (plan.kind) {
      case 'provision': {
        const { operation } = await this.lifecycle.transition(tenant.id, 'retry_provisioning', actor, { manager, reason });
        return operation!;
      }
      // these check and start in transactions of their own; the lock on the failed row keeps a second retry waiting until they committed
      case 'upgrade':
        return this.upgrades.upgradeTenant(tenant.id, plan.app, plan.to, actor);
      case 'restore':
        return this.backups.restore(tenant, plan.backupId, actor);
      case 'export':
        // requestedBy is an account id or nothing (the column takes null)
        return (await this.backups.exportNow(tenant, requestedBy as string)).operation;
      case 'again':
        return this.operations.start(
          { kind: failed.kind as OperationKind, target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy, ...(plan.input ? { input: plan.input } : {}) },
          manager,
        );
    }
  }
}
