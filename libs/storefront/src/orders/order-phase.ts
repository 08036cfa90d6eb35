import type { Order } from '#billing';
import type { TenantState } from '#domain';

export type OrderPhase =
  | 'awaiting_payment'
  | 'confirming'
  | 'checkout_canceled'
  | 'bank_transfer'
  | 'provisioning'
  | 'active'
  | 'past_due'
  | 'suspended'
  | 'terminating'
  | 'terminated'
  | 'expired'
  | 'failed';

/** Where the club stands, as one word for the status page. `checkout` is where Stripe sent the person back from. */
export function orderPhase(order: Pick<Order, 'state' | 'paymentProvider'>, tenant: TenantState | null, checkout?: string): OrderPhase {
  if (order.state === 'expired') return 'expired';
  switch (tenant) {
    case null:
    case 'ordered':
    case 'awaiting_payment':
      if (order.paymentProvider === 'manual') return 'bank_transfer';
      if (checkout === 'success' || order.state === 'paid') return 'confirming';
      return checkout === 'canceled' ? 'checkout_canceled' : 'awaiting_payment';
    default:
      return tenant;
  }
}

/** Phases in which the page keeps asking for news (something is expected to happen soon, or a transfer to arrive). */
export function isPhaseLive(phase: OrderPhase): boolean {
  return phase === 'awaiting_payment' || phase === 'confirming' || phase === 'checkout_canceled' || phase === 'bank_transfer' || phase === 'provisioning';
}
