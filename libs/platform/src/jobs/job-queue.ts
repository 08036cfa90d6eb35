import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { EntityManager } from 'typeorm';
import { PROCESS_ROLE, type ProcessRole } from '../config/config.module.js';
import { DATABASE_URL } from '../database/database.module.js';

/** One channel for "there is work": the payload names the topic (a queue, or a table that is its own queue). */
export const WORK_CHANNEL = 'allmende_jobs';

/** A durable queue (a table in the pgboss schema); the library that consumes it defines it. */
export interface QueueDefinition {
  readonly name: string;
  readonly retryLimit: number;
  /** Seconds before the first retry. */
  readonly retryDelay: number;
  readonly retryBackoff: boolean;
  readonly expireInSeconds: number;
}

export interface SendOptions {
  /** Enqueue inside this transaction: the job exists if and only if the transaction commits. */
  manager?: EntityManager;
  /** Job id; sending the same id twice enqueues once. */
  id?: string;
  startAfter?: Date | number;
  singletonKey?: string;
}

/** Runs SQL inside the caller's transaction when there is one (an outbox without a sweeper). */
function executorOf(manager: EntityManager): PgBoss.Db {
  return { executeSql: async (text, values) => ({ rows: await manager.query(text, values) }) };
}

export interface QueuedJob<T> {
  data: T;
  retryCount: number;
  retryLimit: number;
}

/**
 * The one job queue (a port: pg-boss in Postgres behind it). Jobs survive crashes, retries back
 * off, and enqueueing can join the caller's transaction. A NOTIFY on WORK_CHANNEL wakes
 * subscribers (the queue's pollers, and scheduler tasks that drain tables of their own) at once.
 */
export abstract class JobQueue {
  abstract send(queue: QueueDefinition, data: object, options?: SendOptions): Promise<string | null>;
  /** Wakes the subscribers of `topic` in every process, when the caller's transaction commits. */
  abstract announce(topic: string, manager: EntityManager): Promise<void>;
  abstract work<T extends object>(queue: QueueDefinition, options: { concurrency: number; pollingIntervalSeconds?: number }, handler: (job: QueuedJob<T>) => Promise<void>): Promise<void>;
  /** Calls `wake` whenever some process notifies `topic`. Polling remains the fallback. */
  abstract subscribe(topic: string, wake: () => void): Promise<void>;
}

/** The job queue on pg-boss: its tables live in the pgboss schema, created by a migration. */
@Injectable()
export class PgBossJobQueue extends JobQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(PgBossJobQueue.name);
  private readonly boss: PgBoss;
  private starting?: Promise<void>;
  private started = false;
  private readonly defined = new Map<string, Promise<void>>();
  /** Who to wake per topic when a NOTIFY arrives, so new work starts at once instead of at the next poll. */
  private readonly subscribers = new Map<string, (() => void)[]>();
  private listener?: pg.Client;
  private listening?: Promise<void>;

  constructor(
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    @Inject(PROCESS_ROLE) role: ProcessRole,
  ) {
    super();
    const isWorker = role === 'worker';
    this.boss = new PgBoss({
      connectionString: databaseUrl,
      schema: 'pgboss',
      migrate: false, // the schema comes from our migrations
      supervise: isWorker,
      schedule: false, // periodic work runs through the Scheduler, not pg-boss cron
      max: isWorker ? 6 : 3,
      application_name: `allmende-${role}-queue`,
    });
    this.boss.on('error', (error) => this.logger.error(`job queue: ${error.message}`));
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

  async send(queue: QueueDefinition, data: object, options: SendOptions = {}): Promise<string | null> {
    await this.ensure(queue);
    const { manager, ...jobOptions } = options;
    const db = manager ? executorOf(manager) : this.boss.getDb();
    const id = await this.boss.send(queue.name, data, { ...jobOptions, db });
    // inside a transaction, Postgres delivers the notification only when it commits
    await notify(db, queue.name);
    return id;
  }

  async announce(topic: string, manager: EntityManager): Promise<void> {
    await notify(executorOf(manager), topic);
  }

  async work<T extends object>(
    queue: QueueDefinition,
    options: { concurrency: number; pollingIntervalSeconds?: number },
    handler: (job: QueuedJob<T>) => Promise<void>,
  ): Promise<void> {
    await this.ensure(queue);
    // one poller per slot: a slow job does not hold up the others
    const ids: string[] = [];
    for (let i = 0; i < options.concurrency; i++) {
      let workerId = '';
      workerId = await this.boss.work<T>(
        queue.name,
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
    await this.subscribe(queue.name, () => ids.forEach((id) => this.boss.notifyWorker(id)));
  }

  async subscribe(topic: string, wake: () => void): Promise<void> {
    await this.listen();
    this.subscribers.set(topic, [...(this.subscribers.get(topic) ?? []), wake]);
  }

  private start(): Promise<void> {
    this.starting ??= this.boss.start().then(() => {
      this.started = true;
    });
    return this.starting;
  }

  private ensure(queue: QueueDefinition): Promise<void> {
    let ready = this.defined.get(queue.name);
    if (!ready) {
      ready = this.start().then(async () => {
        if (!(await this.boss.getQueue(queue.name))) await this.boss.createQueue(queue.name, { ...queue, policy: 'standard' });
      });
      ready.catch(() => this.defined.delete(queue.name)); // a failed start is tried again next time
      this.defined.set(queue.name, ready);
    }
    return ready;
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
}

async function notify(db: PgBoss.Db, topic: string): Promise<void> {
  await db.executeSql('select pg_notify($1, $2)', [WORK_CHANNEL, topic]);
}
