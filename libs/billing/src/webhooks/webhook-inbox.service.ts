import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobQueue } from '#provisioning';
import { PaymentProvider } from '../payments/payment-provider.port.js';

export interface Receipt {
  eventId: string;
  duplicate: boolean;
}

/**
 * The receiving end of provider webhooks: verify, store once, enqueue processing, answer.
 * Storing and enqueueing share one transaction, so an event is either stored with its
 * job or not at all (and the provider retries). Processing happens in the worker.
 */
@Injectable()
export class WebhookInbox {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly provider: PaymentProvider,
    private readonly queue: JobQueue,
  ) {}

  async receive(rawBody: Buffer, signature: string | undefined): Promise<Receipt> {
    const event = this.provider.verifyWebhook(rawBody, signature);
    return this.dataSource.transaction(async (manager) => {
      const inserted: { id: string }[] = await manager.query(
        `insert into webhook_event (provider, event_id, type, payload, event_created_at) values ($1, $2, $3, $4, $5)
         on conflict (provider, event_id) do nothing returning id`,
        [this.provider.name, event.id, event.type, event.payload, event.created],
      );
      const id = inserted[0]?.id;
      if (!id) return { eventId: event.id, duplicate: true };
      await this.queue.send('webhook', { eventId: id }, { manager, id });
      return { eventId: event.id, duplicate: false };
    });
  }
}
