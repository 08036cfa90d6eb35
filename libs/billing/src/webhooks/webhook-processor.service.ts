import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActor } from '#domain';
import { WebhookEvent } from '../entities/index.js';
import { PaymentProvider } from '../payments/payment-provider.port.js';
import type { SubscriptionSnapshot } from '../payments/payment-facts.js';
import { ProviderStateNeeded, SubscriptionsService } from '../subscriptions/subscriptions.service.js';

type Snapshots = Map<string, SubscriptionSnapshot | null>;

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
   * it. Returns 'idle' when nothing is due. The claim and the effects share one transaction;
   * when the provider must be asked (see ProviderStateNeeded), that happens between two
   * attempts, with no lock held.
   */
  async processNext(): Promise<'processed' | 'idle'> {
    return this.withProviderState(async (manager, snapshots, claim) => {
      const [row]: { id: string }[] = claim.id
        ? await manager.query(`select id from webhook_event where id = $1 and processed_at is null for update skip locked`, [claim.id])
        : await manager.query(
            `select id from webhook_event
              where processed_at is null and (next_attempt_at is null or next_attempt_at <= now())
              order by event_created_at, received_at
              limit 1 for update skip locked`,
          );
      if (!row) return 'idle';
      claim.id = row.id;
      await this.apply(manager, row.id, snapshots);
      return 'processed';
    });
  }

  /** Processes one event by id (tests, tools). Returns false when it had been processed already. */
  async process(webhookEventId: string): Promise<boolean> {
    return this.withProviderState(async (manager, snapshots, claim) => {
      const event = await manager.findOne(WebhookEvent, { where: { id: webhookEventId }, lock: { mode: 'pessimistic_write' } });
      if (!event || event.processedAt) return false;
      claim.id = event.id;
      await this.apply(manager, event.id, snapshots);
      return true;
    });
  }

  /**
   * Runs `work` in a transaction. If it needs the provider's view of a subscription, the
   * transaction rolls back, the provider is asked with no lock held, and `work` runs once more
   * with the answer. A failure is recorded on the claimed event (backoff), then rethrown.
   */
  private async withProviderState<T>(work: (manager: EntityManager, snapshots: Snapshots, claim: { id?: string }) => Promise<T>): Promise<T> {
    const snapshots: Snapshots = new Map();
    const claim: { id?: string } = {};
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.dataSource.transaction((manager) => work(manager, snapshots, claim));
      } catch (error) {
        if (error instanceof ProviderStateNeeded && !snapshots.has(error.subscriptionId) && attempt < 3) {
          snapshots.set(error.subscriptionId, await this.provider.fetchSubscription(error.subscriptionId));
          continue;
        }
        if (claim.id) await this.recordFailure(claim.id, error);
        throw error;
      }
    }
  }

  private async apply(manager: EntityManager, id: string, snapshots: Snapshots): Promise<void> {
    const event = await manager.findOneOrFail(WebhookEvent, { where: { id } });
    const actor: AuditActor = { type: 'provider', id: event.provider };
    for (const fact of this.provider.factsOf(event.payload)) {
      const snapshot = fact.kind === 'subscription' && snapshots.has(fact.subscriptionId) ? snapshots.get(fact.subscriptionId) : undefined;
      await this.subscriptions.apply(fact, actor, manager, snapshot);
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
