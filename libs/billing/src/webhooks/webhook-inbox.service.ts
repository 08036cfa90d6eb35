import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobQueue } from '#platform/jobs';
import type { ReceivedEvent } from '../payments/payment-facts.js';
import { PaymentProvider } from '../payments/payment-provider.port.js';
import { GroupCommit } from './group-commit.js';

export interface Receipt {
  eventId: string;
  duplicate: boolean;
}

/** The topic the worker's webhook drainer listens to. */
export const WEBHOOK_TOPIC = 'webhook-inbox';

/**
 * The receiving end of provider webhooks: verify, store once, answer. The table is the
 * queue: an event is stored (and will be processed) or not at all (and the provider
 * retries). Events arriving together are written by one statement and one commit
 * (group commit), and each request is answered only after that commit; an event that
 * cannot be stored fails only its own request (see GroupCommit).
 */
@Injectable()
export class WebhookInbox {
  private readonly logger = new Logger(WebhookInbox.name);
  private readonly commits = new GroupCommit<ReceivedEvent, Receipt>(
    (events) => this.store(events),
    { maxBatch: 256, maxFlushesInFlight: 2 },
    (size, error) => this.logger.warn(`a batch of ${size} webhook events could not be stored (${(error as Error).message}); storing them one by one`),
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly provider: PaymentProvider,
    private readonly queue: JobQueue,
  ) {}

  receive(rawBody: Buffer, signature: string | undefined): Promise<Receipt> {
    const event = this.provider.verifyWebhook(rawBody, signature); // throws before anything is stored
    return this.commits.submit(event);
  }

  /** Inserts the events that are new and wakes the worker on commit; a repeat (stored before, or earlier in the batch) is a duplicate. */
  private async store(events: ReceivedEvent[]): Promise<Receipt[]> {
    const unique = [...new Map(events.map((event) => [event.id, event])).values()];
    // the payloads travel as one JSON array built from the received texts: no re-serialising, no array escaping
    const stored = await this.dataSource.transaction(async (manager) => {
      const rows: { event_id: string }[] = await manager.query(
        `with meta as (
           select * from unnest($1::text[], $2::text[], $3::timestamptz[]) with ordinality as m(event_id, type, created, n)
         ), payloads as (
           select value as payload, n from jsonb_array_elements($4::jsonb) with ordinality as p(value, n)
         ), stored as (
           insert into webhook_event (provider, event_id, type, payload, event_created_at)
           select $5, meta.event_id, meta.type, payloads.payload, meta.created from meta join payloads using (n)
           on conflict (provider, event_id) do nothing
           returning event_id
         )
         select event_id from stored`,
        [
          unique.map((event) => event.id),
          unique.map((event) => event.type),
          unique.map((event) => event.created),
          `[${unique.map((event) => event.json).join(',')}]`,
          this.provider.name,
        ],
      );
      // the worker's drain wakes when this commits
      if (rows.length > 0) await this.queue.announce(WEBHOOK_TOPIC, manager);
      return new Set(rows.map((row) => row.event_id));
    });
    const answered = new Set<string>();
    return events.map((event) => {
      const duplicate = !stored.has(event.id) || answered.has(event.id);
      answered.add(event.id);
      return { eventId: event.id, duplicate };
    });
  }
}
