import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobQueue } from '#provisioning';
import { WebhookProcessor } from '../webhooks/webhook-processor.service.js';
import { BillingSweeper } from './billing-sweeper.js';

/** Registers billing's jobs with the worker's queue: webhook processing and the minutely sweep. */
@Injectable()
export class BillingWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger(BillingWorker.name);

  constructor(
    private readonly queue: JobQueue,
    private readonly processor: WebhookProcessor,
    private readonly sweeper: BillingSweeper,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // the queue fetches one job per poller and polling interval, so throughput comes from pollers
    await this.queue.work<{ eventId: string }>('webhook', { concurrency: 16 }, async (job) => {
      await this.processor.process(job.data.eventId);
    });
    // pg-boss keeps one schedule per queue and hands each job to any handler on it: the sweep
    // therefore runs on every maintenance tick, whatever its data, and is idempotent
    await this.queue.work('maintenance', { concurrency: 1 }, async () => {
      const result = await this.sweeper.sweep();
      if (result.suspended || result.reconciled || result.requeued) this.logger.log(`billing sweep: ${JSON.stringify(result)}`);
    });
    await this.queue.schedule('maintenance', '* * * * *');
  }
}
