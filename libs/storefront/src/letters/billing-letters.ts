import {
  BANK_TRANSFER_ORDER_LETTER,
  type BillingLetterTemplate,
  INSTANCE_READY_LETTER,
  ORDER_CONFIRMATION_LETTER,
  PAYMENT_FAILED_LETTER,
  PAYMENT_RECEIVED_LETTER,
  RESUMED_LETTER,
  SUSPENDED_LETTER,
} from '#billing';
import type { OperationFailedLetterValues } from '#provisioning';
import type { Texts } from '../texts/en.js';
import { format } from '../web/html.js';

/** A subject and a text, in the language of `texts`. */
export interface LetterWords {
  subject: string;
  text: string;
}

function money(texts: Texts, cents: string, currency: string): string {
  return new Intl.NumberFormat(texts.locale, { style: 'currency', currency }).format(Number(cents) / 100);
}

function day(texts: Texts, iso: string): string {
  return iso ? new Intl.DateTimeFormat(texts.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso)) : '-';
}

/** The words of billing's letters (billing/src/orders/order-letters.ts): amounts, dates and app names in the letter's language. */
export function writeBillingLetter(template: BillingLetterTemplate, v: Record<string, string>, texts: Texts): LetterWords {
  const t = texts.letters;
  const amount = money(texts, v.amountCents, v.currency);
  const values = {
    club: v.club,
    contactEmail: v.contactEmail,
    orderId: v.orderId,
    reference: v.reference,
    plan: v.plan,
    apps: (v.apps ? v.apps.split(',') : []).map((app) => texts.apps[app] ?? app).join(', '),
    amount,
    // the price as the plan states it, with or without VAT (letters queued before plans said so: as it was)
    price: format(v.vat === 'excluded' ? t.priceVatExcluded : v.vat === 'included' ? t.priceVatIncluded : t.price, { amount, interval: texts.intervals[v.interval] ?? v.interval }),
    bank: v.bankAccount ? format(t.bankAccount, { bankAccount: v.bankAccount }) : t.noBankAccount,
    address: v.address || '-',
    link: v.link,
    apiLink: v.apiLink,
    date: day(texts, v.date),
    orderPage: format(t.orderPage, { link: v.link }),
  };
  const manual = v.provider === 'manual';
  switch (template) {
    case ORDER_CONFIRMATION_LETTER: {
      const payment = format(manual ? t.orderConfirmation.payManual : t.orderConfirmation.payStripe, values);
      return { subject: format(t.orderConfirmation.subject, values), text: format(t.orderConfirmation.body, { ...values, payment }) };
    }
    case BANK_TRANSFER_ORDER_LETTER: {
      const bankNote = v.bankAccount ? t.bankTransferOrder.bankConfigured : format(t.bankTransferOrder.noBankAccount, values);
      return { subject: format(t.bankTransferOrder.subject, values), text: format(t.bankTransferOrder.body, { ...values, bankNote }) };
    }
    case PAYMENT_RECEIVED_LETTER: {
      const next = v.next === 'settled' ? t.paymentReceived.settled : v.next === 'renewed' ? format(t.paymentReceived.renewed, values) : t.paymentReceived.setup;
      return { subject: format(t.paymentReceived.subject, values), text: format(t.paymentReceived.body, { ...values, next }) };
    }
    case INSTANCE_READY_LETTER:
      return { subject: format(t.instanceReady.subject, values), text: format(t.instanceReady.body, values) };
    case PAYMENT_FAILED_LETTER: {
      const grace = format(t.paymentFailed.grace, values);
      return {
        subject: format(manual ? t.paymentFailed.subjectManual : t.paymentFailed.subjectStripe, values),
        text: format(manual ? t.paymentFailed.bodyManual : t.paymentFailed.bodyStripe, { ...values, grace }),
      };
    }
    case SUSPENDED_LETTER: {
      const pay = format(manual ? t.suspended.payManual : t.suspended.payStripe, values);
      return { subject: format(t.suspended.subject, values), text: format(t.suspended.body, { ...values, pay }) };
    }
    case RESUMED_LETTER:
      return { subject: format(t.resumed.subject, values), text: format(t.resumed.body, values) };
  }
}

/** The operators' alert about a failed operation (provisioning/src/operations/operation-alerts.ts). */
export function writeOperationFailedLetter(v: Partial<OperationFailedLetterValues>, texts: Texts): LetterWords {
  const t = texts.letters.operationFailed;
  const values = {
    kind: v.kind ?? '',
    tenant: v.tenant ?? '',
    tenantId: v.tenantId ?? '',
    failureKind: t.failureKinds[v.failureKind ?? ''] ?? v.failureKind ?? '',
    error: v.error || '-',
    link: v.link ?? '',
  };
  return { subject: format(t.subject, values), text: format(t.body, values) };
}
