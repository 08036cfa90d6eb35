import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AccountsService, MailOutbox } from '#identity';
import { AppConfig } from '#platform';
import { type Operation, Tenant } from '../entities/index.js';

/** An operation failed for good (or after its last retry): operators should look at it. */
export const OPERATION_FAILED_LETTER = 'provisioning.operation_failed';

export interface OperationFailedLetterValues extends Record<string, string> {
  /** The tenant's slug (or the target's id when it is no tenant) and id. */
  tenant: string;
  tenantId: string;
  /** provision, suspend, upgrade... */
  kind: string;
  operationId: string;
  /** permanent, or transient (the cause may pass: a retry may work). */
  failureKind: string;
  error: string;
  /** Where an operator sees the operation. */
  link: string;
}

/** Kinds whose failures have letters of their own, with their own thresholds (backups/backup-alerts.ts). */
const ALERTED_ELSEWHERE: ReadonlySet<string> = new Set(['backup', 'restore', 'drill']);

/** Writes the operator alert about a failed operation into identity's outbox, in the failing transaction. */
@Injectable()
export class OperationAlerts {
  private readonly logger = new Logger(OperationAlerts.name);

  constructor(
    private readonly outbox: MailOutbox,
    private readonly accounts: AccountsService,
    private readonly config: AppConfig,
  ) {}

  async failed(operation: Operation, manager: EntityManager): Promise<number> {
    if (ALERTED_ELSEWHERE.has(operation.kind)) return 0;
    const recipients = await this.accounts.operatorRecipients();
    if (recipients.length === 0) {
      this.logger.error(`no operator address for the failed ${operation.kind} operation ${operation.id}; set ALLMENDE_ALERT_EMAILS or create an operator account`);
      return 0;
    }
    const tenant = operation.targetType === 'tenant' ? await manager.findOne(Tenant, { where: { id: operation.targetId }, select: { id: true, slug: true } }) : null;
    const values: OperationFailedLetterValues = {
      tenant: tenant?.slug ?? operation.targetId,
      tenantId: operation.targetId,
      kind: operation.kind,
      operationId: operation.id,
      failureKind: operation.failureKind ?? 'permanent',
      error: (operation.error ?? '').slice(0, 1500),
      // the console's tenant page lists the operation with its error and a retry button
      link: `${this.config.http.publicUrl}/console/tenants/${operation.targetId}#operation-${operation.id}`,
    };
    for (const { email, locale } of recipients) {
      await this.outbox.enqueue({ template: OPERATION_FAILED_LETTER, to: email, locale, values, key: `operation:${operation.id}:failed:${operation.attempts}:${email}` }, manager);
    }
    return recipients.length;
  }
}
