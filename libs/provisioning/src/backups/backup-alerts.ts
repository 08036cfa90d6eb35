import { Injectable, Logger } from '@nestjs/common';
import { AccountsService, MailOutbox } from '#identity';
import { AppConfig } from '#platform';
import type { BackupAlertValues, ProvisioningLetterTemplate } from './backup-letters.js';

/** Mails to operators about backups that need a person: one letter per address, through identity's outbox. */
@Injectable()
export class BackupAlerts {
  private readonly logger = new Logger(BackupAlerts.name);

  constructor(
    private readonly outbox: MailOutbox,
    private readonly accounts: AccountsService,
    private readonly config: AppConfig,
  ) {}

  async send(template: ProvisioningLetterTemplate, values: BackupAlertValues): Promise<number> {
    const addresses = this.config.backup.alertEmails.length ? [...this.config.backup.alertEmails] : await this.accounts.operatorAddresses();
    if (addresses.length === 0) {
      this.logger.error(`no operator address for the alert ${template} (tenant ${values.tenant}, site ${values.site}: ${values.error}); set ALLMENDE_ALERT_EMAILS`);
      return 0;
    }
    for (const to of addresses) await this.outbox.enqueue({ template, to, locale: 'en', values: { ...values, error: values.error.slice(0, 1500) } });
    this.logger.warn(`alerted ${addresses.length} operator address(es): ${template} for tenant ${values.tenant} on ${values.site}: ${values.code}`);
    return addresses.length;
  }
}
