import type { TenantEvent, TenantState } from './tenant-lifecycle.js';

/** Work on the Docker hosts that a tenant's state change starts (an operation of that kind). */
export type LifecycleWork = 'provision' | 'suspend' | 'resume' | 'terminate';

export interface LifecycleSettings {
  /** past_due: the tenant keeps running this long before it is suspended. */
  readonly gracePeriodDays: number;
  /** terminating: the final export (and the data) is kept this long, then deleted. */
  readonly retentionDays: number;
}

/** Fields of the tenant a transition sets; undefined leaves a field as it is. */
export interface TransitionEffects {
  graceEndsAt?: Date | null;
  deleteDataAfter?: Date | null;
  failureReason?: string | null;
}

const DAY_MS = 86_400_000;

/** Which operation a transition starts, if any. `from` matters: paying again only restarts a suspended tenant. */
export function workFor(event: TenantEvent, from: TenantState): LifecycleWork | undefined {
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
 * The dates and reasons a transition sets: a failed payment opens the grace period, paying
 * closes it, termination schedules deletion after the retention period, a failed
 * provisioning records why.
 */
export function effectsOf(event: TenantEvent, now: Date, settings: LifecycleSettings, reason?: string): TransitionEffects {
  switch (event) {
    case 'payment_failed':
      return { graceEndsAt: new Date(now.getTime() + settings.gracePeriodDays * DAY_MS) };
    case 'payment_received':
    case 'provisioned':
      return { graceEndsAt: null, failureReason: null };
    case 'provision':
    case 'retry_provisioning':
      return { failureReason: null };
    case 'provisioning_failed':
      return { failureReason: reason ?? 'provisioning failed' };
    case 'terminate':
      return { graceEndsAt: null, deleteDataAfter: new Date(now.getTime() + settings.retentionDays * DAY_MS) };
    default:
      return {};
  }
}

/**
 * Whether a transition gives the tenant's names (subdomain, custom domains) back to everyone: an
 * order abandoned before it was paid, and a tenant whose data has been deleted. Nothing of them
 * is served any more, so holding their names would only block other clubs.
 */
export function releasesNames(event: TenantEvent): boolean {
  return event === 'order_abandoned' || event === 'data_deleted';
}

/** Whether a past_due tenant's grace period is over at `now` (it is then suspended). */
export function graceExpired(tenant: { state: TenantState; graceEndsAt: Date | null }, now: Date): boolean {
  return tenant.state === 'past_due' && tenant.graceEndsAt !== null && tenant.graceEndsAt.getTime() <= now.getTime();
}

/** Whether a terminating tenant's data may now be deleted: its retention is over and its final export was made. */
export function retentionOver(tenant: { state: TenantState; deleteDataAfter: Date | null }, finalExportDone: boolean, now: Date): boolean {
  return tenant.state === 'terminating' && finalExportDone && tenant.deleteDataAfter !== null && tenant.deleteDataAfter.getTime() <= now.getTime();
}
