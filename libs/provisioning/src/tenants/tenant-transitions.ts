import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditActor, TenantEvent, TenantState } from '#domain';
import type { Operation, Tenant } from '../entities/index.js';

/** A tenant's state change, as it is being committed. */
export interface TenantTransition {
  /** The tenant after the change (its state, stateChangedAt, graceEndsAt...). */
  tenant: Tenant;
  from: TenantState;
  event: TenantEvent;
  actor: AuditActor;
  /** The work the change started, if any. */
  operation?: Operation;
}

/** Work that belongs to the change itself: it runs in the change's transaction and fails it when it fails. */
export type TenantTransitionHook = (transition: TenantTransition, manager: EntityManager) => Promise<void>;

/**
 * What other libraries do in the same transaction as a tenant's state change, e.g. billing's
 * letters about it (payment failed, suspended, ready). Libraries above provisioning register a
 * hook when their module starts; provisioning calls them without knowing them.
 */
@Injectable()
export class TenantTransitionHooks {
  private readonly hooks: TenantTransitionHook[] = [];

  register(hook: TenantTransitionHook): void {
    this.hooks.push(hook);
  }

  async run(transition: TenantTransition, manager: EntityManager): Promise<void> {
    for (const hook of this.hooks) await hook(transition, manager);
  }
}
