import { Injectable } from '@nestjs/common';
import { InvalidStateError, NotFoundError } from '#platform';
import type { CheckoutRequest, CheckoutStart, PaymentFact, ReceivedEvent } from '../payment-facts.js';
import { PaymentProvider } from '../payment-provider.port.js';

/**
 * Bank transfer, billed by the cooperative by hand: the order page shows the transfer
 * details and an operator records payments through the API. No network, no webhooks.
 */
@Injectable()
export class ManualPaymentProvider extends PaymentProvider {
  readonly name = 'manual' as const;

  async startCheckout(request: CheckoutRequest): Promise<CheckoutStart> {
    // the "payment page" is the order's own page with the bank details
    return { sessionId: null, url: request.orderUrl };
  }

  async resumeCheckout(): Promise<string | null> {
    return null;
  }

  async openPortal(): Promise<string> {
    throw new InvalidStateError('billing.no_portal', 'This cooperative bills by bank transfer; for invoices or to cancel, write to the cooperative');
  }

  verifyWebhook(_rawBody: Buffer, _signature: string | undefined): ReceivedEvent {
    throw new NotFoundError('Stripe webhook endpoint (Stripe is not configured)');
  }

  factsOf(): PaymentFact[] {
    return [];
  }

  /** Our database is the record: what the operator last marked. */
  async fetchSubscription(): Promise<null> {
    return null;
  }

  /** Our database is the record: the billing sweep ends the subscription when its period is over. */
  async setCancelAtPeriodEnd(): Promise<null> {
    return null;
  }

  /** Our database is the record: the next transfer is asked for at the new price. */
  async changePlan(): Promise<null> {
    return null;
  }
}
