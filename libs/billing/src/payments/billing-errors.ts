import { DomainError, UnavailableError } from '#platform';

/** A webhook whose signature is missing, forged or too old: 400, and nothing is stored. */
export class WebhookRejectedError extends DomainError {
  constructor(reason: string) {
    super('validation', 'webhook.rejected', `Webhook rejected: ${reason}`);
  }
}

/** The payment provider could not be reached or refused a request; the customer may retry. */
export class PaymentProviderUnavailableError extends UnavailableError {
  constructor(message: string) {
    super('billing.provider_unavailable', message);
  }
}
