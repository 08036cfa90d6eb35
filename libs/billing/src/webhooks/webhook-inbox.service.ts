import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobQueue } from '#platform/jobs';
import type { ReceivedEvent } from '../payments/payment-facts.js';
import { PaymentProvider } from '../payments/payment-provider.port.js';

export interface Receipt {
  eventId: string;
  duplicate: boolean;
}

/** The topic the worker's webhook drainer listens to. */
export const WEBHOOK_TOPIC = 'webhook-inbox';

interface Waiting {
  event: ReceivedEvent;
  resolve: (receipt: Receipt) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 256;
const MAX_FLUSHES_IN_FLIGHT = 2;

/**
 * The receiving end of provider webhooks: verify, store once, answer. The table is the
 * queue: an event is stored (and will be processed) or not at all (and the provider
 * retries). Events arriving together are written by one statement and one commit
 * (group commit), and each request is answered only after that commit.
 */
@Injectable()
export class WebhookInbox {
  private waiting: Waiting[] = [];
  private flushScheduled = false;
  private flushesInFlight = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly provider: PaymentProvider,
    private readonly queue: JobQueue,
  ) {}

  receive(rawBody: Buffer, signature: string | undefined): Promise<Receipt> {
    const event = this.provider.verifyWebhook(rawBody, signature); // throws before anything is stored
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushesInFlight >= MAX_FLUSHES_IN_FLIGHT || this.waiting.length === 0) return;
    this.flushScheduled = true;
    // after the requests already read in this turn of the event loop have joined the batch
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    this.flushesInFlight++;
    try {
      const stored = await this.store(batch.map((entry) => entry.event));
      const answered = new Set<string>();
      for (const { event, resolve } of batch) {
        // a repeat within the batch, or an event stored earlier, is a duplicate
        const duplicate = !stored.has(event.id) || answered.has(event.id);
        answered.add(event.id);
        resolve({ eventId: event.id, duplicate });
      }
    } catch (error) {
      batch.forEach(({ reject }) => reject(error));
    } finally {
      this.flushesInFlight--;
      this.scheduleFlush();
    }
  }

  /** Inserts the events that are new and wakes the worker on commit; returns the ids stored now. */
  private async store(events: ReceivedEvent[]): Promise<Set<string>> {
    const unique = [...new Map(events.map((event) => [event.id, event])).values()];
    // the payloads travel as one JSON array built from the received texts: no re-serialising, no array escaping
    return this.dataSource.transaction(async (manager) => {
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
  }
}
