import { defineMachine } from './state-machine.js';

export const TENANT_STATES = [
  'ordered',
  'awaiting_payment',
  'provisioning',
  'active',
  'past_due',
  'suspended',
  'terminating',
  'terminated',
  'failed',
] as const;
export type TenantState = (typeof TENANT_STATES)[number];

export type TenantEvent =
  | 'checkout_started'
  | 'payment_received'
  | 'provision'
  | 'provisioned'
  | 'provisioning_failed'
  | 'retry_provisioning'
  | 'payment_failed'
  | 'grace_expired'
  | 'order_abandoned'
  | 'terminate'
  | 'data_deleted';

/**
 * A tenant follows its payments: paid -> provisioning -> active; a failed payment gives
 * a grace period (past_due, still running), then suspension (stopped, data kept);
 * paying again brings it back; cancellation keeps a final export, then deletes.
 */
export const tenantLifecycle = defineMachine<TenantState, TenantEvent>('tenant', TENANT_STATES, {
  checkout_started: { from: ['ordered'], to: 'awaiting_payment' },
  // a first payment (or an operator creating the tenant) starts provisioning
  provision: { from: ['ordered', 'awaiting_payment'], to: 'provisioning' },
  // paid again after a lapse: back to running (suspended containers are started again)
  payment_received: { from: ['past_due', 'suspended'], to: 'active' },
  provisioned: { from: ['provisioning'], to: 'active' },
  provisioning_failed: { from: ['provisioning'], to: 'failed' },
  retry_provisioning: { from: ['failed'], to: 'provisioning' },
  payment_failed: { from: ['active'], to: 'past_due' },
  grace_expired: { from: ['past_due'], to: 'suspended' },
  order_abandoned: { from: ['ordered', 'awaiting_payment'], to: 'terminated' },
  terminate: { from: ['provisioning', 'active', 'past_due', 'suspended', 'failed'], to: 'terminating' },
  data_deleted: { from: ['terminating'], to: 'terminated' },
});
