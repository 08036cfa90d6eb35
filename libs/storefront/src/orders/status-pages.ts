import { Injectable } from '@nestjs/common';
import { OrdersService } from '#billing';
import { AppConfig, NotFoundError } from '#platform';
import { BackupStatusService } from '#provisioning';
import type { StatusPage } from './order-pages.js';

/** Loads what the order status page shows, for the controllers that render it (null: no such order). */
@Injectable()
export class StatusPages {
  constructor(
    private readonly orders: OrdersService,
    private readonly config: AppConfig,
    private readonly backups: BackupStatusService,
  ) {}

  async load(orderId: string, checkout?: string): Promise<StatusPage | null> {
    try {
      const details = await this.orders.details(orderId);
      const backups = details.tenant ? await this.backups.ownerSummary(details.tenant.id) : undefined;
      return {
        details,
        checkout: checkout === 'success' || checkout === 'canceled' ? checkout : undefined,
        bankAccount: this.config.billing.bankAccount,
        httpsPort: this.config.edge.httpsPort,
        ...(backups ? { backups } : {}),
      };
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }
}
