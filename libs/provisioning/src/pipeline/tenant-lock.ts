import type { DataSource } from 'typeorm';

/**
 * One operation per tenant at a time, across worker processes: a session-level
 * advisory lock held on a dedicated connection for the operation's duration. If the
 * worker dies, Postgres drops the connection and with it the lock.
 */
export async function withTenantLock<T>(dataSource: DataSource, tenantId: string, work: () => Promise<T>): Promise<{ acquired: false } | { acquired: true; result: T }> {
  const runner = dataSource.createQueryRunner();
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

/** Whether some live process holds the tenant's lock right now. */
export async function tenantIsLocked(dataSource: DataSource, tenantId: string): Promise<boolean> {
  const result = await withTenantLock(dataSource, tenantId, async () => undefined);
  return !result.acquired;
}
