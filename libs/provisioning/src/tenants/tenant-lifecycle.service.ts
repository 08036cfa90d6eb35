import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActor, AuditLog, Operation, Tenant, TenantEvent, tenantLifecycle, TenantState } from '#domain';
import { AppConfig, NotFoundError } from '#platform';
import { OperationKind } from '../operations/operation-kinds.js';
import { OperationsService } from '../operations/operations.service.js';

export interface TransitionOptions {
  /** Join the caller's transaction (e.g. the webhook handler's). */
  manager?: EntityManager;
  /** Events that do not apply to the current state are ignored instead of refused (out-of-order webhooks). */
  ifAllowed?: boolean;
  /** Why, for the audit log and failed tenants. */
  reason?: string;
  details?: Record<string, unknown>;
}

export interface TransitionResult {
  changed: boolean;
  from: TenantState;
  tenant: Tenant;
  /** The job the transition started, if any. */
  operation?: Operation;
}

/** Which long-running operation a transition starts. */
function operationFor(event: TenantEvent, from: TenantState): OperationKind | undefined {
  switch (event) {
    case 'provision':
    case 'retry_provisioning':
      return 'provision';
    case 'grace_expired':
      return 'suspend';
    case 'payment_received':
      return from === 'suspended' ? 'resume' : undefined;
    case 'terminate':
      return 'terminate';
    default:
      return undefined;
  }
}

/**
 * The only way a tenant changes state: through the state machine, under a row lock,
 * written to the audit log, and, where the new state needs work on the Docker host,
 * with that work enqueued in the same transaction (so it happens exactly when the
 * state change commits).
 */
@Injectable()
export class TenantLifecycleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly operations: OperationsService,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
  ) {}

  async transition(tenantId: string, event: TenantEvent, actor: AuditActor, options: TransitionOptions = {}): Promise<TransitionResult> {
    const run = (manager: EntityManager) => this.transitionIn(manager, tenantId, event, actor, options);
    return options.manager ? run(options.manager) : this.dataSource.transaction(run);
  }

  private async transitionIn(manager: EntityManager, tenantId: string, event: TenantEvent, actor: AuditActor, options: TransitionOptions): Promise<TransitionResult> {
    const tenant = await manager.findOne(Tenant, { where: { id: tenantId }, lock: { mode: 'pessimistic_write' } });
    if (!tenant) throw new NotFoundError('Tenant', tenantId);
    const from = tenant.state;
    if (options.ifAllowed && !tenantLifecycle.can(from, event)) return { changed: false, from, tenant };

    const now = new Date();
    tenant.state = tenantLifecycle.next(from, event);
    tenant.stateChangedAt = now;
    switch (event) {
      case 'payment_failed':
        tenant.graceEndsAt = new Date(now.getTime() + this.config.billing.gracePeriodDays * 86_400_000);
        break;
      case 'payment_received':
      case 'provisioned':
        tenant.graceEndsAt = null;
        tenant.failureReason = null;
        break;
      case 'provision':
      case 'retry_provisioning':
        tenant.failureReason = null;
        break;
      case 'provisioning_failed':
        tenant.failureReason = options.reason ?? 'provisioning failed';
        break;
      case 'terminate':
        tenant.graceEndsAt = null;
        tenant.deleteDataAfter = new Date(now.getTime() + this.config.billing.retentionDays * 86_400_000);
        break;
    }
    await manager.save(tenant);

    let operation: Operation | undefined;
    const kind = operationFor(event, from);
    if (kind) {
      operation = await this.operations.start(
        { kind, target: { type: 'tenant', id: tenant.id }, organizationId: tenant.organizationId, requestedBy: actor.type === 'account' ? actor.id : null },
        manager,
      );
    }
    await this.audit.record(
      {
        actor,
        action: `tenant.${tenant.state}`,
        target: { type: 'tenant', id: tenant.id },
        organizationId: tenant.organizationId,
        details: { from, event, reason: options.reason, operationId: operation?.id, graceEndsAt: tenant.graceEndsAt, deleteDataAfter: tenant.deleteDataAfter, ...options.details },
      },
      manager,
    );
    return { changed: true, from, tenant, operation };
  }
}
