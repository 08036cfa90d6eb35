import { Injectable, Logger } from '@nestjs/common';
import { AccountsService, MailOutbox } from '#identity';
import type { BackupAlertValues, ProvisioningLetterTemplate } from './backup-letters.js';

/** Mails to operators about backups that need a person: one letter per address, through identity's outbox. */
@Injectable()
export class BackupAlerts {
  private readonly logger = new Logger(BackupAlerts.name);

  constructor(
    private readonly outbox: MailOutbox,
    private readonly accounts: AccountsService,
  ) {}

  async send(template: ProvisioningLetterTemplate, values: BackupAlertValues): Promise<number> {
    // ALLMENDE_ALERT_EMAILS, else every operator account; each in its account's language
    const addresses = await this.accounts.operatorRecipients();
    if (addresses.length === 0) {
      this.logger.error(`no operator address for the alert ${template} (tenant ${values.tenant}, site ${values.site}: ${values.error}); set ALLMENDE_ALERT_EMAILS`);
      return 0;
    }
    for (const { email, locale } of addresses) await this.outbox.enqueue({ template, to: email, locale, values: { ...values, error: values.error.slice(0, 1500) } });
    this.logger.warn(`alerted ${addresses.length} operator address(es): ${template} for tenant ${values.tenant} on ${values.site}: ${values.code}`);
    return addresses.length;
  }
}
