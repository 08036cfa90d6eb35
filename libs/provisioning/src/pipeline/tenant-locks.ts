import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { backoffDelay } from '#platform';
import { TenantBusy } from './pipeline-errors.js';

export type Locked<T> = { acquired: false } | { acquired: true; result: T };

/** The lock while work runs under it. */
export interface HeldLock {
  /** Throws TenantBusy when the lock was lost (a database restart) and another process has it now: stop at once. */
  assertHeld(): void;
}

/** One operation per tenant at a time, across worker processes (a port: Postgres advisory locks behind it). */
export abstract class TenantLocks {
  /** Runs `work` holding the tenant's lock, or returns at once when another process holds it. */
  abstract withLock<T>(tenantId: string, work: (lock: HeldLock) => Promise<T>): Promise<Locked<T>>;
  /** Whether some live process holds the tenant's lock right now. */
  abstract isLocked(tenantId: string): Promise<boolean>;
}

const LOCK = `select pg_try_advisory_lock(hashtextextended($1, 0)) as locked`;
const UNLOCK = `select pg_advisory_unlock(hashtextextended($1, 0))`;

/** A query runner holding a lock, with the driver connection it holds it on (to see it drop). */
interface Holder {
  runner: QueryRunner;
  connection: NodeJS.EventEmitter;
}

/**
 * Session-level advisory locks held on a dedicated connection for the operation's duration.
 * If the worker dies, Postgres drops the connection and with it the lock. If the database
 * restarts under a live worker, the lock goes with the connection: the worker takes it again
 * as soon as the database answers, and stops its work if another process got it first.
 */
@Injectable()
export class PostgresTenantLocks extends TenantLocks {
  private readonly logger = new Logger(PostgresTenantLocks.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async withLock<T>(tenantId: string, work: (lock: HeldLock) => Promise<T>): Promise<Locked<T>> {
    const key = `tenant:${tenantId}`;
    const first = await this.tryLock(key);
    if (!first) return { acquired: false };
    const held = { holder: first, lost: false, finished: false };

    const retake = async (why: string): Promise<void> => {
      this.logger.warn(`lost the lock of tenant ${tenantId} (${why}); taking it again when the database answers`);
      for (let attempt = 0; !held.finished; attempt++) {
        await sleep(backoffDelay(attempt, { initialMs: 200, maxMs: 2000 }));
        if (held.finished) return;
        let again: Holder | null;
        try {
          again = await this.tryLock(key);
        } catch {
          continue; // the database is still away
        }
        if (held.finished) {
          if (again) await this.unlock(again.runner, key);
          return;
        }
        if (again) {
          held.holder = again;
          watch(again);
          this.logger.log(`holds the lock of tenant ${tenantId} again`);
        } else {
          held.lost = true;
          this.logger.error(`the lock of tenant ${tenantId} was taken by another process meanwhile; this run stops`);
        }
        return;
      }
    };
    const watch = (holder: Holder) => {
      let gone = false;
      const onGone = (why: string) => {
        if (gone || held.finished || held.holder !== holder) return;
        gone = true;
        void retake(why);
      };
      holder.connection.once('error', (error: Error) => onGone(error.message));
      holder.connection.once('end', () => onGone('the connection ended'));
    };
    watch(first);

    try {
      const lock: HeldLock = {
        assertHeld: () => {
          if (held.lost) throw new TenantBusy(`lost the lock of tenant ${tenantId} to another process during a database restart`);
        },
      };
      return { acquired: true, result: await work(lock) };
    } finally {
      held.finished = true;
      await this.unlock(held.holder.runner, key);
    }
  }

  async isLocked(tenantId: string): Promise<boolean> {
    return !(await this.withLock(tenantId, async () => undefined)).acquired;
  }

  /** A connection holding the lock, or null when another session holds it. */
  private async tryLock(key: string): Promise<Holder | null> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const connection = (await runner.connect()) as NodeJS.EventEmitter;
      const [{ locked }] = await runner.query(LOCK, [key]);
      if (locked) return { runner, connection };
    } catch (error) {
      await runner.release().catch(() => undefined);
      throw error;
    }
    await runner.release();
    return null;
  }

  private async unlock(runner: QueryRunner, key: string): Promise<void> {
    await runner.query(UNLOCK, [key]).catch(() => undefined);
    await runner.release().catch(() => undefined);
  }
}
