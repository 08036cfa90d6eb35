import { ManualPaymentRequest } from './manual-payment-request.entity.js';
import { Order } from './order.entity.js';
import { OrderReferenceCounter } from './order-reference-counter.entity.js';
import { Subscription } from './subscription.entity.js';
import { WebhookEvent } from './webhook-event.entity.js';

export * from './manual-payment-request.entity.js';
export * from './order.entity.js';
export * from './order-reference-counter.entity.js';
export * from './subscription.entity.js';
export * from './webhook-event.entity.js';

/** The tables billing owns. */
export const BILLING_ENTITIES = [Order, Subscription, WebhookEvent, ManualPaymentRequest, OrderReferenceCounter];
