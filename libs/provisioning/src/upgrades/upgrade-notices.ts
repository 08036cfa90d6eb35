import { Injectable } from '@nestjs/common';
import { TemplateCatalog } from '#catalog';
import { AccountsService, MailOutbox, OrganizationsService } from '#identity';
import type { Tenant } from '../entities/index.js';

// Letters to a club about upgrades of its apps; the storefront writes their words.

/** An upgrade is planned: when (the club's window, or as soon as possible for a security update). */
export const UPGRADE_PLANNED_LETTER = 'provisioning.upgrade_planned';
/** The upgrade is done, rolled back, or did not start; what it means for the club. */
export const UPGRADE_FINISHED_LETTER = 'provisioning.upgrade_finished';

export type UpgradeLetterTemplate = typeof UPGRADE_PLANNED_LETTER | typeof UPGRADE_FINISHED_LETTER;

export interface UpgradeLetterValues extends Record<string, string> {
  club: string;
  /** The app's name as the catalog says it, e.g. "Chat (XMPP)". */
  app: string;
  from: string;
  to: string;
  /** planned: "Tuesday 02:00-05:00 UTC" or "" (as soon as possible); finished: "". */
  window: string;
  /** planned: "" or "urgent"; finished: upgraded | rolled-back | not-started. */
  outcome: string;
  reason: string;
}

/** Writes the upgrade letters into identity's outbox, to the club's contact address. */
@Injectable()
export class UpgradeNotices {
  constructor(
    private readonly outbox: MailOutbox,
    private readonly organizations: OrganizationsService,
    private readonly catalog: TemplateCatalog,
    private readonly accounts: AccountsService,
  ) {}

  async planned(tenant: Tenant, upgrade: { app: string; from: string; to: string; window: string; urgent: boolean }): Promise<void> {
    await this.send(tenant, UPGRADE_PLANNED_LETTER, { app: upgrade.app, from: upgrade.from, to: upgrade.to, window: upgrade.window, outcome: upgrade.urgent ? 'urgent' : '', reason: '' });
  }

  async upgraded(tenant: Tenant, result: { app: string; from: string; to: string; operationId: string; outcome: 'upgraded' | 'rolled-back' | 'not-started'; reason: string }): Promise<void> {
    await this.send(tenant, UPGRADE_FINISHED_LETTER, { app: result.app, from: result.from, to: result.to, window: '', outcome: result.outcome, reason: result.reason.slice(0, 1000) });
  }

  private async send(tenant: Tenant, template: UpgradeLetterTemplate, values: Omit<UpgradeLetterValues, 'club'>): Promise<void> {
    const organization = await this.organizations.get(tenant.organizationId);
    const app = this.catalog.apps().find((candidate) => candidate.app === values.app)?.name ?? values.app;
    const locale = await this.accounts.localeOf(organization.contactEmail);
    await this.outbox.enqueue({ template, to: organization.contactEmail, locale, values: { ...values, app, club: organization.name } });
  }
}
