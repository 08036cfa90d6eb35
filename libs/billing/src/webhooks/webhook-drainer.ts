import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobQueue } from '#provisioning';
import { WEBHOOK_TOPIC } from './webhook-inbox.service.js';
import { WebhookProcessor } from './webhook-processor.service.js';

// One loop per worker process: events are few (a club pays monthly), each takes milliseconds,
// and a burst is absorbed by the inbox table while the API keeps answering Stripe quickly.
// More worker processes add more loops.
const LOOPS = 1;
const IDLE_POLL_MS = 2000;

/**
 * In the worker: a few loops that process pending webhook events until none is due,
 * then wait for a NOTIFY from the inbox (or the next poll, which also picks up retries
 * whose backoff has passed and events stored while no worker ran).
 */
@Injectable()
export class WebhookDrainer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDrainer.name);
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private wakers: (() => void)[] = [];

  constructor(
    private readonly processor: WebhookProcessor,
    private readonly queue: JobQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.subscribe(WEBHOOK_TOPIC, () => this.wakeAll());
    for (let i = 0; i < LOOPS; i++) this.loops.push(this.loop());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wakeAll();
    await Promise.all(this.loops);
  }

  private wakeAll(): void {
    const wakers = this.wakers;
    this.wakers = [];
    wakers.forEach((wake) => wake());
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let outcome: 'processed' | 'idle' | 'failed';
      try {
        outcome = await this.processor.processNext();
      } catch (error) {
        outcome = 'failed'; // recorded on the event with its backoff; carry on with the next
        this.logger.debug(`webhook processing failed: ${(error as Error).message}`);
      }
      if (outcome === 'idle' && !this.stopping) await this.idle();
    }
  }

  private idle(): Promise<void> {
    const controller = new AbortController();
    return Promise.race([
      new Promise<void>((resolve) => this.wakers.push(resolve)),
      sleep(IDLE_POLL_MS, undefined, { signal: controller.signal }).catch(() => undefined),
    ]).finally(() => controller.abort());
  }
}
