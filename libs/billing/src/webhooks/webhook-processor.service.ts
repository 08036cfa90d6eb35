import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditActor, WebhookEvent } from '#domain';
import { PaymentProvider } from '../payments/payment-provider.port.js';
import { SubscriptionsService } from '../subscriptions/subscriptions.service.js';

/**
 * Processes one stored event, in the worker. Idempotent: the event row is locked, an
 * already processed event is skipped, and processedAt is set in the same transaction as
 * the effects, so a crash or a failure leaves the event unprocessed for the retry.
 */
@Injectable()
export class WebhookProcessor {
  private readonly logger = new Logger(WebhookProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly provider: PaymentProvider,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  /** Returns false when the event had been processed already. */
  async process(webhookEventId: string): Promise<boolean> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const event = await manager.findOne(WebhookEvent, { where: { id: webhookEventId }, lock: { mode: 'pessimistic_write' } });
        if (!event || event.processedAt) return false;
        const actor: AuditActor = { type: 'provider', id: event.provider };
        for (const fact of this.provider.factsOf(event.payload)) {
          await this.subscriptions.apply(fact, actor, manager);
        }
        await manager.update(WebhookEvent, event.id, { processedAt: new Date(), attempts: event.attempts + 1, lastError: null });
        return true;
      });
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.logger.warn(`webhook event ${webhookEventId} failed (will be retried): ${message}`);
      await this.dataSource.manager
        .createQueryBuilder()
        .update(WebhookEvent)
        .set({ attempts: () => 'attempts + 1', lastError: message.slice(0, 2000) })
        .where('id = :id', { id: webhookEventId })
        .execute();
      throw error;
    }
  }
}
