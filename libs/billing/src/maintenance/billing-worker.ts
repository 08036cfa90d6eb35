import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobQueue } from '#provisioning';
import { BillingSweeper } from './billing-sweeper.js';

/** Registers billing's minutely sweep with the worker's queue (webhooks have their own drainer). */
@Injectable()
export class BillingWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger(BillingWorker.name);

  constructor(
    private readonly queue: JobQueue,
    private readonly sweeper: BillingSweeper,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // pg-boss keeps one schedule per queue and hands each job to any handler on it: the sweep
    // therefore runs on every maintenance tick, whatever its data, and is idempotent
    await this.queue.work('maintenance', { concurrency: 1 }, async () => {
      const result = await this.sweeper.sweep();
      if (result.suspended || result.reconciled) this.logger.log(`billing sweep: ${JSON.stringify(result)}`);
    });
    await this.queue.schedule('maintenance', '* * * * *');
  }
}
