import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { EntityManager } from 'typeorm';
import { PROCESS_ROLE, type ProcessRole } from '../config/config.module.js';
import { DATABASE_URL } from '../database/database.module.js';
import { isConnectionFailure } from '../errors/unavailable.js';
import { backoffDelay } from '../retry/backoff.js';

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

/** A job that has not finished: waiting to run (created), waiting for its retry, or being run (active). */
export interface LiveJob {
  id: string;
  state: 'created' | 'retry' | 'active';
  /** When a worker took it (active jobs). */
  startedAt: Date | null;
  retryCount: number;
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
  /** The unfinished jobs of `queue` whose data contains `match` (e.g. one operation's jobs). */
  abstract liveJobs(queue: QueueDefinition, match: Record<string, string>): Promise<LiveJob[]>;
  /** Makes the waiting jobs whose data contains `match` due now (a retry need not sit out its backoff); returns how many. */
  abstract runNow(queue: QueueDefinition, match: Record<string, string>): Promise<number>;
  /** Cancels jobs for good, e.g. the active job of a worker that died: it is neither run nor retried again. */
  abstract cancel(queue: QueueDefinition, ids: readonly string[]): Promise<void>;
}

/** Logs a recurring failure once when it starts and then at most every `everyMs`, with a count: an outage is not a flood. */
class ThrottledLog {
  private lastMessage = '';
  private lastAt = 0;
  private suppressed = 0;

  constructor(
    private readonly write: (line: string) => void,
    private readonly everyMs = 30_000,
  ) {}

  say(message: string): void {
    const now = Date.now();
    if (message === this.lastMessage && now - this.lastAt < this.everyMs) {
      this.suppressed++;
      return;
    }
    this.write(this.suppressed ? `${message} (and ${this.suppressed} similar since ${new Date(this.lastAt).toISOString()})` : message);
    this.lastMessage = message;
    this.lastAt = now;
    this.suppressed = 0;
  }
}

/** The job queue on pg-boss: its tables live in the pgboss schema, created by a migration. */
@Injectable()
export class PgBossJobQueue extends JobQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(PgBossJobQueue.name);
  private readonly errors = new ThrottledLog((line) => this.logger.error(line));
  private boss: PgBoss;
  private readonly bossOptions: PgBoss.ConstructorOptions;
  private starting?: Promise<void>;
  private started = false;
  private readonly defined = new Map<string, Promise<void>>();
  /** Who to wake per topic when a NOTIFY arrives, so new work starts at once instead of at the next poll. */
  private readonly subscribers = new Map<string, (() => void)[]>();
  private listener?: pg.Client;
  private listening?: Promise<void>;
  private reconnecting?: NodeJS.Timeout;
  private listenerFailures = 0;
  private stopping = false;

  constructor(
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    @Inject(PROCESS_ROLE) role: ProcessRole,
  ) {
    super();
    const isWorker = role === 'worker';
    this.bossOptions = {
      connectionString: databaseUrl,
      schema: 'pgboss',
      migrate: false, // the schema comes from our migrations
      supervise: isWorker,
      schedule: false, // periodic work runs through the Scheduler, not pg-boss cron
      max: isWorker ? 6 : 3,
      application_name: `allmende-${role}-queue`,
      // a lost database must not hang a poller for the OS's TCP timeout
      connectionTimeoutMillis: 5000,
    } as PgBoss.ConstructorOptions;
    this.boss = this.createBoss();
  }

  /** pg-boss reports a lost database through this event (every poll fails until it is back): logged, never thrown. */
  private createBoss(): PgBoss {
    const boss = new PgBoss(this.bossOptions);
    boss.on('error', (error) => this.errors.say(`job queue: ${error.message}`));
    return boss;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnecting);
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
          let failure: Error | undefined;
          try {
            await handler(job);
          } catch (error) {
            failure = error instanceof Error ? error : new Error(String(error));
          }
          // pg-boss records the outcome after this returns without awaiting it: with the database
          // away, that rejection would end the process. So the outcome is recorded here first,
          // waiting for the database; pg-boss's own complete() then finds nothing active to change.
          await this.recordOutcome(queue.name, job.id, failure);
          // pg-boss sleeps a polling interval after each job; a backlog should drain without pauses
          this.boss.notifyWorker(workerId);
        },
      );
      ids.push(workerId);
    }
    await this.subscribe(queue.name, () => ids.forEach((id) => this.boss.notifyWorker(id)));
  }

  /** Completes or fails the job, waiting (with backoff) while the database does not answer; never throws. */
  private async recordOutcome(queue: string, jobId: string, failure: Error | undefined): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (failure) await this.boss.fail(queue, jobId, { message: failure.message, stack: failure.stack });
        else await this.boss.complete(queue, jobId);
        return;
      } catch (error) {
        if (!isConnectionFailure(error) || this.stopping) {
          // the job stays active; the owner's recovery finds it (see OperationRecovery)
          this.errors.say(`job queue: could not record the outcome of job ${jobId} (${(error as Error).message})`);
          return;
        }
        await sleep(backoffDelay(attempt, { initialMs: 250, maxMs: 5000 }));
      }
    }
  }

  async subscribe(topic: string, wake: () => void): Promise<void> {
    this.subscribers.set(topic, [...(this.subscribers.get(topic) ?? []), wake]);
    await this.listen();
  }

  async liveJobs(queue: QueueDefinition, match: Record<string, string>): Promise<LiveJob[]> {
    await this.ensure(queue);
    const result = await this.boss.getDb().executeSql(
      `select id, state, started_on as "startedAt", retry_count as "retryCount"
         from pgboss.job where name = $1 and state < 'completed' and data @> $2::jsonb order by created_on`,
      [queue.name, JSON.stringify(match)],
    );
    return result.rows as LiveJob[];
  }

  async runNow(queue: QueueDefinition, match: Record<string, string>): Promise<number> {
    await this.ensure(queue);
    const result = await this.boss.getDb().executeSql(
      `update pgboss.job set start_after = now()
        where name = $1 and state in ('created', 'retry') and start_after > now() and data @> $2::jsonb
        returning id`,
      [queue.name, JSON.stringify(match)],
    );
    if (result.rows.length) await notify(this.boss.getDb(), queue.name);
    return result.rows.length;
  }

  async cancel(queue: QueueDefinition, ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.ensure(queue);
    await this.boss.cancel(queue.name, [...ids]);
  }

  private start(): Promise<void> {
    this.starting ??= this.boss.start().then(
      () => {
        this.started = true;
      },
      async (error: unknown) => {
        // pg-boss stays half-started after a failed start (its start() then returns at once):
        // the next try gets a fresh instance
        this.starting = undefined;
        await this.boss.stop({ graceful: false, wait: false }).catch(() => undefined);
        this.boss = this.createBoss();
        throw error;
      },
    );
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
    // never rejects: without the database, polling carries on and the listener keeps trying
    this.listening ??= this.connectListener().catch((error: Error) => {
      this.listenerFailures++;
      this.reconnectListener(error.message);
    });
    return this.listening;
  }

  private async connectListener(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'allmende-queue-listener', connectionTimeoutMillis: 5000 });
    let lost = false;
    const onLost = (why: string) => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = undefined;
      if (!this.stopping) this.reconnectListener(why);
    };
    client.on('error', (error) => onLost(error.message));
    client.on('end', () => onLost('the connection ended'));
    client.on('notification', (message) => {
      for (const wake of this.subscribers.get(message.payload ?? '') ?? []) wake();
    });
    try {
      await client.connect();
      await client.query(`listen ${WORK_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.listener = client;
  }

  /** After a lost database: listen again with growing pauses; polling covers the gap, and everyone is woken once back. */
  private reconnectListener(why: string): void {
    if (this.reconnecting) return;
    if (this.listenerFailures === 0) this.logger.warn(`job notifications stopped (${why}); polling continues until they are back`);
    const delay = backoffDelay(this.listenerFailures, { initialMs: 250, maxMs: 10_000 });
    this.reconnecting = setTimeout(() => {
      this.reconnecting = undefined;
      this.listening = this.connectListener().then(
        () => {
          this.logger.log('job notifications are back');
          this.listenerFailures = 0;
          // whatever was announced meanwhile was lost: let every subscriber look now
          for (const wakers of this.subscribers.values()) for (const wake of wakers) wake();
        },
        (error: Error) => {
          this.listenerFailures++;
          this.reconnectListener(error.message);
        },
      );
    }, delay);
    this.reconnecting.unref();
  }
}

async function notify(db: PgBoss.Db, topic: string): Promise<void> {
  await db.executeSql('select pg_notify($1, $2)', [WORK_CHANNEL, topic]);
}
