import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan } from 'typeorm';
import { SYSTEM_ACTOR } from '#domain';
import { AppConfig } from '#platform';
import { Scheduler } from '#platform/jobs';
import { Order } from '../entities/index.js';
import { PaymentProvider } from '../payments/payment-provider.port.js';
import { SubscriptionsService } from '../subscriptions/subscriptions.service.js';

const ACTOR = SYSTEM_ACTOR('unpaid-orders');
const BATCH = 200;

/**
 * Orders that were never paid expire after the configured days (default 14) and release what
 * they held: the tenant is abandoned, its subdomain and domains are free for others again.
 * A scheduler task of the worker; an order paid meanwhile is left alone (the order is locked).
 */
@Injectable()
export class UnpaidOrders implements OnModuleInit {
  private readonly logger = new Logger(UnpaidOrders.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly subscriptions: SubscriptionsService,
    private readonly provider: PaymentProvider,
    private readonly scheduler: Scheduler,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: 'billing.unpaid-orders', intervalMs: 600_000, run: () => this.expire(new Date()).then(() => undefined) });
  }

  /** Expires the orders unpaid since before `now` minus the configured days; returns their ids. */
  async expire(now: Date): Promise<string[]> {
    const cutoff = new Date(now.getTime() - this.config.limits.unpaidOrderDays * 86_400_000);
    const due = await this.dataSource.manager.find(Order, { where: { state: 'pending_payment', createdAt: LessThan(cutoff) }, take: BATCH, order: { createdAt: 'ASC' } });
    const expired: string[] = [];
    for (const order of due) {
      const source = `unpaid for ${this.config.limits.unpaidOrderDays} days`;
      await this.dataSource.transaction((manager) =>
        this.subscriptions.apply({ kind: 'checkout_expired', provider: this.provider.name, orderId: order.id, at: now, source }, ACTOR, manager),
      );
      expired.push(order.id);
    }
    if (expired.length) this.logger.log(`expired ${expired.length} unpaid order(s)`);
    return expired;
  }
}
