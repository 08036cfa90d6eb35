import { INVITATION_LETTER, type Letter, type MailMessage, PASSWORD_RESET_LETTER, VERIFY_EMAIL_LETTER } from '#identity';
import { BACKUP_CHECK_FAILED_LETTER, BACKUP_FAILED_LETTER, DOMAIN_FLAGGED_LETTER, DOMAIN_RESTORED_LETTER, DOMAIN_WITHDRAWN_LETTER, RESTORE_DRILL_FAILED_LETTER, RESTORE_FAILED_LETTER, UPGRADE_FINISHED_LETTER, UPGRADE_PLANNED_LETTER } from '#provisioning';
import { BANK_TRANSFER_ORDER_LETTER, INSTANCE_READY_LETTER, ORDER_CONFIRMATION_LETTER, PAYMENT_FAILED_LETTER, PAYMENT_RECEIVED_LETTER, RESUMED_LETTER, SUSPENDED_LETTER } from '#billing';
import { OPERATION_FAILED_LETTER } from '#provisioning';
import { CANCELLATION_CONFIRMED_LETTER } from '#billing';
import { writeCancellationLetter } from '../dashboard/cancellation-letter.js';
import { textsFor } from '../texts/catalogue.js';
import { format } from '../web/html.js';
import { writeBillingLetter, writeOperationFailedLetter } from './billing-letters.js';
import { letterHtml } from './letter-html.js';

export class UnknownLetterError extends Error {
  override readonly name = 'UnknownLetterError';
}

/**
 * Writes a letter from the texts of its language (English for one we do not speak), as plain
 * text and as HTML made from that text: pure, so every letter's words are tested without mail.
 */
export function writeLetter(letter: Letter): MailMessage {
  const message = writeText(letter);
  return { ...message, html: letterHtml(message.subject, message.text, textsFor(letter.locale).locale) };
}

function writeText(letter: Letter): MailMessage {
  const texts = textsFor(letter.locale);
  const v = letter.values;
  switch (letter.template) {
    case INVITATION_LETTER: {
      const t = texts.invitation;
      return {
        to: letter.to,
        subject: format(t.mailSubject, { club: v.club }),
        text: format(t.mailBody, { inviter: v.inviter, club: v.club, role: t.roles[v.role] ?? v.role, expires: v.expires, link: v.link }),
      };
    }
    case VERIFY_EMAIL_LETTER: {
      const t = texts.verifyEmail;
      return { to: letter.to, subject: t.mailSubject, text: format(t.mailBody, { link: v.link, expires: v.expires }) };
    }
    case PASSWORD_RESET_LETTER: {
      const t = texts.session.reset;
      return { to: letter.to, subject: t.mailSubject, text: format(t.mailBody, { link: v.link, expires: v.expires }) };
    }
    case DOMAIN_FLAGGED_LETTER:
    case DOMAIN_WITHDRAWN_LETTER:
    case DOMAIN_RESTORED_LETTER: {
      const t = texts.customDomain[({ [DOMAIN_FLAGGED_LETTER]: 'flagged', [DOMAIN_WITHDRAWN_LETTER]: 'withdrawn', [DOMAIN_RESTORED_LETTER]: 'restored' } as const)[letter.template]];
      const values = { club: v.club, domain: v.domain, fixes: v.fixes || '-', withdrawAt: v.withdrawAt };
      return { to: letter.to, subject: format(t.mailSubject, values), text: format(t.mailBody, values) };
    }
    case BACKUP_FAILED_LETTER:
    case BACKUP_CHECK_FAILED_LETTER:
    case RESTORE_DRILL_FAILED_LETTER:
    case RESTORE_FAILED_LETTER: {
      const t = texts.backupAlerts;
      const [subject, body] = {
        [BACKUP_FAILED_LETTER]: [t.failedSubject, t.failedBody],
        [BACKUP_CHECK_FAILED_LETTER]: [t.checkSubject, t.checkBody],
        [RESTORE_DRILL_FAILED_LETTER]: [t.drillSubject, t.drillBody],
        [RESTORE_FAILED_LETTER]: [t.restoreSubject, t.restoreBody],
      }[letter.template];
      const values = { tenant: v.tenant, tenantId: v.tenantId, site: v.site, failures: v.failures, code: v.code, error: v.error, next: v.next || '-' };
      return { to: letter.to, subject: format(subject, values), text: format(body, values) };
    }
    case UPGRADE_PLANNED_LETTER: {
      const t = texts.upgrades;
      const when = v.outcome === 'urgent' ? t.plannedUrgent : v.window ? format(t.plannedWindow, { window: v.window }) : t.plannedSoon;
      const values = { club: v.club, app: v.app, from: v.from, to: v.to, when };
      return { to: letter.to, subject: format(t.plannedSubject, values), text: format(t.plannedBody, values) };
    }
    case UPGRADE_FINISHED_LETTER: {
      const t = texts.upgrades;
      const [subject, body] = v.outcome === 'upgraded' ? [t.upgradedSubject, t.upgradedBody] : v.outcome === 'rolled-back' ? [t.rolledBackSubject, t.rolledBackBody] : [t.notStartedSubject, t.notStartedBody];
      const values = { club: v.club, app: v.app, from: v.from, to: v.to, reason: v.reason || '-' };
      return { to: letter.to, subject: format(subject, values), text: format(body, values) };
    }
    case ORDER_CONFIRMATION_LETTER:
    case BANK_TRANSFER_ORDER_LETTER:
    case PAYMENT_RECEIVED_LETTER:
    case INSTANCE_READY_LETTER:
    case PAYMENT_FAILED_LETTER:
    case SUSPENDED_LETTER:
    case RESUMED_LETTER:
      return { to: letter.to, ...writeBillingLetter(letter.template, v, texts) };
    case OPERATION_FAILED_LETTER:
      return { to: letter.to, ...writeOperationFailedLetter(v, texts) };
    case CANCELLATION_CONFIRMED_LETTER:
      return { to: letter.to, ...writeCancellationLetter(v, texts) };
    default:
      throw new UnknownLetterError(`no texts for the letter "${letter.template}"`);
  }
}
