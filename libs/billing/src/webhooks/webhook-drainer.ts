import { Injectable, OnModuleInit } from '@nestjs/common';
import { Scheduler } from '#platform/jobs';
import { WEBHOOK_TOPIC } from './webhook-inbox.service.js';
import { WebhookProcessor } from './webhook-processor.service.js';

// Events are few (a club pays monthly) and each takes milliseconds: one drain per worker
// process; a burst is absorbed by the inbox table while the API keeps answering Stripe quickly.
const IDLE_POLL_MS = 2000;

/**
 * In the worker: a scheduler task that processes pending webhook events until none is due,
 * woken by the inbox's NOTIFY (the poll also picks up retries whose backoff has passed and
 * events stored while no worker ran). A failed event is recorded on it with its backoff.
 */
@Injectable()
export class WebhookDrainer implements OnModuleInit {
  constructor(
    private readonly processor: WebhookProcessor,
    private readonly scheduler: Scheduler,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: 'billing.webhooks',
      intervalMs: IDLE_POLL_MS,
      wakeOn: WEBHOOK_TOPIC,
      run: async () => ((await this.processor.processNext().catch(() => 'processed' as const)) === 'processed' ? 'more' : 'idle'),
    });
  }
}
