import type { Subscription } from '../entities/index.js';

/** A subscription as the API shows it (dates as ISO text, so a stored answer replays byte for byte). */
export interface SubscriptionView {
  id: string;
  provider: Subscription['provider'];
  providerSubscriptionId: string;
  status: Subscription['status'];
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: string | null;
}

/** The answer to an operator's bank-transfer request (payment, overdue, cancel). */
export interface ManualPaymentAnswer {
  orderId: string;
  subscription: SubscriptionView;
}

export function subscriptionView(subscription: Subscription): SubscriptionView {
  return {
    id: subscription.id,
    provider: subscription.provider,
    providerSubscriptionId: subscription.providerSubscriptionId,
    status: subscription.status,
    currentPeriodEnd: subscription.currentPeriodEnd?.toISOString() ?? null,
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    cancelAt: subscription.cancelAt?.toISOString() ?? null,
  };
}
