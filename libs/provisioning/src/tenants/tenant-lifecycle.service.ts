import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActor, AuditLog, effectsOf, releasesNames, TenantEvent, tenantLifecycle, TenantState, workFor } from '#domain';
import { Domain, Operation, Tenant } from '../entities/index.js';
import { releasedSlug } from './tenant-names.js';
import { AppConfig, NotFoundError } from '#platform';
import { OperationsService } from '../operations/operations.service.js';
import { TenantTransitionHooks } from './tenant-transitions.js';
import { type NewTenant, TenantsService } from './tenants.service.js';

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

/**
 * The only way a tenant changes state: through the state machine, under a row lock,
 * written to the audit log, and, where the new state needs work on the Docker host,
 * with that work enqueued in the same transaction (so it happens exactly when the
 * state change commits); so are the registered hooks' effects (TenantTransitionHooks).
 */
@Injectable()
export class TenantLifecycleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly operations: OperationsService,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly tenants: TenantsService,
    private readonly hooks: TenantTransitionHooks,
  ) {}

  /** A tenant an operator creates: created and sent to provisioning in one transaction, so it never stays "ordered" by accident. */
  async createAndProvision(input: NewTenant, actor: AuditActor): Promise<TransitionResult> {
    return this.dataSource.transaction(async (manager) => {
      const tenant = await this.tenants.create(input, actor, manager);
      return this.transitionIn(manager, tenant.id, 'provision', actor, {});
    });
  }

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
    Object.assign(tenant, effectsOf(event, now, this.config.lifecycle, options.reason));
    if (releasesNames(event)) {
      // its subdomain and domains are free for other clubs again; the slug keeps the row unique
      await manager.delete(Domain, { tenantId: tenant.id });
      tenant.slug = releasedSlug(tenant.id);
    }
    await manager.save(tenant);

    let operation: Operation | undefined;
    const kind = workFor(event, from);
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
    // e.g. the letter that tells the club: queued exactly when the change commits
    await this.hooks.run({ tenant, from, event, actor, operation }, manager);
    return { changed: true, from, tenant, operation };
  }
}
