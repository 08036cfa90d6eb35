import { INVITATION_LETTER, type Letter, type MailMessage, VERIFY_EMAIL_LETTER } from '#identity';
import { BACKUP_CHECK_FAILED_LETTER, BACKUP_FAILED_LETTER, DOMAIN_FLAGGED_LETTER, DOMAIN_RESTORED_LETTER, DOMAIN_WITHDRAWN_LETTER, RESTORE_DRILL_FAILED_LETTER, RESTORE_FAILED_LETTER, UPGRADE_FINISHED_LETTER, UPGRADE_PLANNED_LETTER } from '#provisioning';
import { en, type Texts } from '../texts/en.js';
import { format } from '../web/html.js';

/** The languages letters are written in; a letter in an unknown language is written in English. */
const TEXTS_BY_LOCALE: Readonly<Record<string, Texts>> = { en };

export class UnknownLetterError extends Error {
  override readonly name = 'UnknownLetterError';
}

/** Writes a letter from the texts of its language: pure, so every letter's words are tested without mail. */
export function writeLetter(letter: Letter): MailMessage {
  const texts = TEXTS_BY_LOCALE[letter.locale] ?? en;
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
    default:
      throw new UnknownLetterError(`no texts for the letter "${letter.template}"`);
  }
}
