import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActor, WebhookEvent } from '#domain';
import { PaymentProvider } from '../payments/payment-provider.port.js';
import { SubscriptionsService } from '../subscriptions/subscriptions.service.js';

/**
 * Processes stored events, in the worker. Idempotent: the event row is locked, an
 * already processed event is skipped, and processedAt is set in the same transaction as
 * the effects, so a crash or a failure leaves the event pending for the retry.
 */
@Injectable()
export class WebhookProcessor {
  private readonly logger = new Logger(WebhookProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly provider: PaymentProvider,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  /**
   * Claims the oldest pending event that no other worker holds (SKIP LOCKED) and processes
   * it. Returns 'idle' when nothing is due. The claim and the effects share one transaction.
   */
  async processNext(): Promise<'processed' | 'idle'> {
    let claimed: string | undefined;
    try {
      return await this.dataSource.transaction(async (manager) => {
        const [row]: { id: string }[] = await manager.query(
          `select id from webhook_event
            where processed_at is null and (next_attempt_at is null or next_attempt_at <= now())
            order by event_created_at, received_at
            limit 1 for update skip locked`,
        );
        if (!row) return 'idle';
        claimed = row.id;
        await this.apply(manager, row.id);
        return 'processed';
      });
    } catch (error) {
      if (claimed) await this.recordFailure(claimed, error);
      throw error;
    }
  }

  /** Processes one event by id (tests, tools). Returns false when it had been processed already. */
  async process(webhookEventId: string): Promise<boolean> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const event = await manager.findOne(WebhookEvent, { where: { id: webhookEventId }, lock: { mode: 'pessimistic_write' } });
        if (!event || event.processedAt) return false;
        await this.apply(manager, event.id);
        return true;
      });
    } catch (error) {
      await this.recordFailure(webhookEventId, error);
      throw error;
    }
  }

  private async apply(manager: EntityManager, id: string): Promise<void> {
    const event = await manager.findOneOrFail(WebhookEvent, { where: { id } });
    const actor: AuditActor = { type: 'provider', id: event.provider };
    for (const fact of this.provider.factsOf(event.payload)) {
      await this.subscriptions.apply(fact, actor, manager);
    }
    await manager.update(WebhookEvent, event.id, { processedAt: new Date(), attempts: event.attempts + 1, lastError: null, nextAttemptAt: null });
  }

  /** Backs off exponentially (2 s, 4 s ... at most 5 minutes); the event stays pending, nothing is dropped. */
  private async recordFailure(id: string, error: unknown): Promise<void> {
    const message = (error as Error).message ?? String(error);
    this.logger.warn(`webhook event ${id} failed (will be retried): ${message}`);
    await this.dataSource.query(
      `update webhook_event
          set attempts = attempts + 1, last_error = $2,
              next_attempt_at = now() + least(power(2, attempts + 1), 300) * interval '1 second'
        where id = $1`,
      [id, message.slice(0, 2000)],
    );
  }
}
