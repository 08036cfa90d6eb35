import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export type Locked<T> = { acquired: false } | { acquired: true; result: T };

/** One operation per tenant at a time, across worker processes (a port: Postgres advisory locks behind it). */
export abstract class TenantLocks {
  /** Runs `work` holding the tenant's lock, or returns at once when another process holds it. */
  abstract withLock<T>(tenantId: string, work: () => Promise<T>): Promise<Locked<T>>;
  /** Whether some live process holds the tenant's lock right now. */
  abstract isLocked(tenantId: string): Promise<boolean>;
}

/**
 * Session-level advisory locks held on a dedicated connection for the operation's duration.
 * If the worker dies, Postgres drops the connection and with it the lock.
 */
@Injectable()
export class PostgresTenantLocks extends TenantLocks {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async withLock<T>(tenantId: string, work: () => Promise<T>): Promise<Locked<T>> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(`select pg_try_advisory_lock(hashtextextended($1, 0)) as locked`, [`tenant:${tenantId}`]);
      if (!locked) return { acquired: false };
      try {
        return { acquired: true, result: await work() };
      } finally {
        await runner.query(`select pg_advisory_unlock(hashtextextended($1, 0))`, [`tenant:${tenantId}`]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }

  async isLocked(tenantId: string): Promise<boolean> {
    return !(await this.withLock(tenantId, async () => undefined)).acquired;
  }
}
