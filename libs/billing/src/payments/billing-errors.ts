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

/** The Stripe account never saved its customer portal settings: only the cooperative can fix that, in the dashboard. */
export class PortalNotConfiguredError extends UnavailableError {
  constructor() {
    super(
      'billing.portal_not_configured',
      'The customer portal is not set up yet: the cooperative has to save its customer portal settings once in the Stripe dashboard ' +
        '(Settings -> Billing -> Customer portal, in test mode and in live mode). Until then, write to the cooperative to change your card, see invoices or cancel',
    );
  }
}
