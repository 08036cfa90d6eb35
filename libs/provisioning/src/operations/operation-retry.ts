import type { TenantState } from '#domain';
import type { Operation } from '../entities/index.js';

/**
 * How an operator's "retry" of a failed operation runs it again: each kind through the same
 * door it came in by, so the same checks apply (a provision through the tenant's lifecycle, an
 * upgrade through the upgrade's checks and pre-upgrade backup, a restore from the same kept
 * backup, an export with a new archive row); the others as a new operation of the same kind
 * and input, while the tenant is still in the state that kind is for. Pure.
 */
export type RetryPlan =
  | { kind: 'refused'; code: RetryRefusal; message: string }
  | { kind: 'provision' }
  | { kind: 'upgrade'; app: string; to: string }
  | { kind: 'restore'; backupId: string }
  | { kind: 'export' }
  | { kind: 'again'; input: Record<string, unknown> | null };

export type RetryRefusal = 'operation.not_failed' | 'operation.no_tenant' | 'operation.superseded' | 'operation.tenant_state' | 'operation.not_retryable';

/** The tenant states in which running an operation of each kind again makes sense. */
const STATES_FOR: Record<string, readonly TenantState[]> = {
  provision: ['failed'],
  suspend: ['suspended'],
  resume: ['active', 'past_due'],
  terminate: ['terminating'],
  purge: ['terminating'],
  reconcile: ['active', 'past_due', 'suspended'],
  recreate: ['active', 'past_due'],
  backup: ['active', 'past_due'],
  drill: ['active', 'past_due'],
  restore: ['active', 'past_due'],
  upgrade: ['active', 'past_due'],
  export: ['active', 'past_due', 'suspended', 'terminating'],
};

export function retryPlan(
  operation: Pick<Operation, 'id' | 'kind' | 'state' | 'targetType' | 'input'>,
  tenant: { slug: string; state: TenantState } | null,
  later: { id: string; state: Operation['state'] } | null,
): RetryPlan {
  const refuse = (code: RetryRefusal, message: string): RetryPlan => ({ kind: 'refused', code, message });
  if (operation.state !== 'failed') return refuse('operation.not_failed', `Only a failed operation can be retried; this ${operation.kind} is ${operation.state}`);
  if (operation.targetType !== 'tenant' || !tenant) return refuse('operation.no_tenant', `This ${operation.kind} has no tenant to run on any more`);
  if (later) {
    return refuse('operation.superseded', `A later ${operation.kind} of tenant ${tenant.slug} (${later.id}, ${later.state}) followed this one; retry that one if it failed`);
  }
  const states = STATES_FOR[operation.kind];
  if (!states) return refuse('operation.not_retryable', `A ${operation.kind} cannot be retried from here`);
  if (!states.includes(tenant.state)) {
    return refuse('operation.tenant_state', `A ${operation.kind} of tenant ${tenant.slug} cannot run again while the tenant is ${tenant.state} (it runs for: ${states.join(', ')})`);
  }
  const input = operation.input ?? {};
  switch (operation.kind) {
    case 'provision':
      return { kind: 'provision' };
    case 'upgrade':
      return typeof input.app === 'string' && typeof input.to === 'string'
        ? { kind: 'upgrade', app: input.app, to: input.to }
        : refuse('operation.not_retryable', 'This upgrade does not say which app and version it was for');
    case 'restore':
      return typeof input.backupId === 'string' ? { kind: 'restore', backupId: input.backupId } : refuse('operation.not_retryable', 'This restore does not say which backup it was from');
    case 'export':
      return { kind: 'export' };
    default:
      return { kind: 'again', input: operation.input };
  }
}
