import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type { EntityManager } from 'typeorm';
import { DATABASE_URL } from '#domain';
import { PROCESS_ROLE, type ProcessRole } from '#platform';

/** The durable queues (tables in the pgboss schema, created by a migration). */
export const QUEUES = {
  /** Runs one Operation (provision, suspend, backup...) by id. */
  operation: { name: 'operation', retryLimit: 8, retryDelay: 5, retryBackoff: true, expireInSeconds: 3600 },
  /** Processes one stored payment-provider event by id. */
  webhook: { name: 'webhook', retryLimit: 10, retryDelay: 2, retryBackoff: true, expireInSeconds: 300 },
  /** Periodic housekeeping: grace periods, retention, reconcile. */
  maintenance: { name: 'maintenance', retryLimit: 2, retryDelay: 30, retryBackoff: false, expireInSeconds: 900 },
} as const;

export type QueueName = keyof typeof QUEUES;

export interface SendOptions {
  /** Enqueue inside this transaction: the job exists if and only if the transaction commits. */
  manager?: EntityManager;
  /** Job id; sending the same id twice enqueues once. */
  id?: string;
  startAfter?: Date | number;
  singletonKey?: string;
}

/**
 * pg-boss behind a small facade. Postgres is the queue: jobs survive crashes, retries use
 * backoff, and enqueueing can join the caller's transaction (an outbox without a sweeper).
 */
@Injectable()
export class JobQueue implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobQueue.name);
  private readonly boss: PgBoss;
  private started = false;

  constructor(@Inject(DATABASE_URL) databaseUrl: string, @Inject(PROCESS_ROLE) role: ProcessRole) {
    const isWorker = role === 'worker';
    this.boss = new PgBoss({
      connectionString: databaseUrl,
      schema: 'pgboss',
      migrate: false, // the schema comes from our migrations
      supervise: isWorker,
      schedule: isWorker,
      max: isWorker ? 6 : 3,
      application_name: `allmende-${role}-queue`,
    });
    this.boss.on('error', (error) => this.logger.error(`job queue: ${error.message}`));
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start();
    this.started = true;
    for (const queue of Object.values(QUEUES)) {
      if (!(await this.boss.getQueue(queue.name))) await this.boss.createQueue(queue.name, { ...queue, policy: 'standard' });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // graceful: let running handlers finish (up to 20 s), then close the pool
    await this.boss.stop({ graceful: true, wait: true, timeout: 20_000 });
  }

  async send(queue: QueueName, data: object, options: SendOptions = {}): Promise<string | null> {
    const { manager, ...jobOptions } = options;
    return this.boss.send(QUEUES[queue].name, data, {
      ...jobOptions,
      db: manager ? { executeSql: async (text, values) => ({ rows: await manager.query(text, values) }) } : undefined,
    });
  }

  async work<T extends object>(
    queue: QueueName,
    options: { concurrency: number; pollingIntervalSeconds?: number },
    handler: (job: PgBoss.JobWithMetadata<T>) => Promise<void>,
  ): Promise<void> {
    // one poller per slot: a slow job does not hold up the others
    for (let i = 0; i < options.concurrency; i++) {
      await this.boss.work<T>(
        QUEUES[queue].name,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5 },
        async ([job]) => handler(job),
      );
    }
  }

  async schedule(queue: QueueName, cron: string, data: object = {}): Promise<void> {
    await this.boss.schedule(QUEUES[queue].name, cron, data, { tz: 'UTC' });
  }

  async stopWorkers(queue: QueueName): Promise<void> {
    await this.boss.offWork(QUEUES[queue].name);
  }

  /** For tests and diagnostics. */
  getJob(queue: QueueName, id: string) {
    return this.boss.getJobById(QUEUES[queue].name, id);
  }
}
