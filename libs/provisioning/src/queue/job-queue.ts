import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { EntityManager } from 'typeorm';
import { DATABASE_URL } from '#domain';
import { PROCESS_ROLE, type ProcessRole } from '#platform';

/** One channel for "there is work": the payload names the topic (a queue, or the webhook inbox). */
export const WORK_CHANNEL = 'allmende_jobs';

/** The durable queues (tables in the pgboss schema, created by a migration). */
export const QUEUES = {
  /** Runs one Operation (provision, suspend, backup...) by id. */
  operation: { name: 'operation', retryLimit: 8, retryDelay: 5, retryBackoff: true, expireInSeconds: 3600 },
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
  /** Who to wake per topic when a NOTIFY arrives, so new work starts at once instead of at the next poll. */
  private readonly subscribers = new Map<string, (() => void)[]>();
  private listener?: pg.Client;
  private listening?: Promise<void>;

  constructor(
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    @Inject(PROCESS_ROLE) role: ProcessRole,
  ) {
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
    await this.listening?.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
    if (!this.started) return;
    this.started = false;
    // graceful: let running handlers finish (up to 20 s), then close the pool
    await this.boss.stop({ graceful: true, wait: true, timeout: 20_000 });
  }

  async send(queue: QueueName, data: object, options: SendOptions = {}): Promise<string | null> {
    const { manager, ...jobOptions } = options;
    const db: PgBoss.Db = manager ? { executeSql: async (text, values) => ({ rows: await manager.query(text, values) }) } : this.boss.getDb();
    const id = await this.boss.send(QUEUES[queue].name, data, { ...jobOptions, db });
    // inside a transaction, Postgres delivers the notification only when it commits
    await db.executeSql('select pg_notify($1, $2)', [WORK_CHANNEL, QUEUES[queue].name]);
    return id;
  }

  async work<T extends object>(
    queue: QueueName,
    options: { concurrency: number; pollingIntervalSeconds?: number },
    handler: (job: PgBoss.JobWithMetadata<T>) => Promise<void>,
  ): Promise<void> {
    // one poller per slot: a slow job does not hold up the others
    const ids: string[] = [];
    for (let i = 0; i < options.concurrency; i++) {
      let workerId = '';
      workerId = await this.boss.work<T>(
        QUEUES[queue].name,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
        async ([job]) => {
          try {
            await handler(job);
          } finally {
            // pg-boss sleeps a polling interval after each job; a backlog should drain without pauses
            this.boss.notifyWorker(workerId);
          }
        },
      );
      ids.push(workerId);
    }
    await this.subscribe(QUEUES[queue].name, () => ids.forEach((id) => this.boss.notifyWorker(id)));
  }

  /** Calls `wake` whenever some process notifies `topic` (see WORK_CHANNEL). Polling remains the fallback. */
  async subscribe(topic: string, wake: () => void): Promise<void> {
    await this.listen();
    this.subscribers.set(topic, [...(this.subscribers.get(topic) ?? []), wake]);
  }

  /** LISTEN for "a job was sent" and wake the pollers; polling stays as the fallback if a notification is lost. */
  private listen(): Promise<void> {
    this.listening ??= this.connectListener();
    return this.listening;
  }

  private async connectListener(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'allmende-queue-listener' });
    client.on('error', (error) => this.logger.warn(`job notifications stopped (${error.message}); polling continues`));
    client.on('notification', (message) => {
      for (const wake of this.subscribers.get(message.payload ?? '') ?? []) wake();
    });
    await client.connect();
    await client.query(`listen ${WORK_CHANNEL}`);
    this.listener = client;
  }

  async schedule(queue: QueueName, cron: string, data: object = {}): Promise<void> {
    await this.boss.schedule(QUEUES[queue].name, cron, data, { tz: 'UTC' });
  }
}
