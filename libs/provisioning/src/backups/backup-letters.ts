/**
 * The mails provisioning owes operators about backups (facts only; the storefront's texts
 * write them). Each goes to ALLMENDE_ALERT_EMAILS, or to every operator account.
 */
export const BACKUP_FAILED_LETTER = 'provisioning.backup_failed';
export const BACKUP_CHECK_FAILED_LETTER = 'provisioning.backup_check_failed';
export const RESTORE_DRILL_FAILED_LETTER = 'provisioning.restore_drill_failed';
export const RESTORE_FAILED_LETTER = 'provisioning.restore_failed';

export type ProvisioningLetterTemplate = typeof BACKUP_FAILED_LETTER | typeof BACKUP_CHECK_FAILED_LETTER | typeof RESTORE_DRILL_FAILED_LETTER | typeof RESTORE_FAILED_LETTER;

export interface BackupAlertValues extends Record<string, string> {
  /** The tenant's slug and id, so an operator finds it. */
  tenant: string;
  tenantId: string;
  site: string;
  /** Failures in a row (backups), or "1". */
  failures: string;
  /** The engine's code, e.g. backup.site_unreachable. */
  code: string;
  error: string;
  /** ISO time of the next attempt, or "". */
  next: string;
}
