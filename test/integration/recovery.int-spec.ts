import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '#platform/database';
import { PgBossJobQueue } from '#platform/jobs';
import { Operation, OPERATION_QUEUE, OperationRecovery, PostgresTenantLocks, PROVISIONING_ENTITIES } from '#provisioning';
import { createTestDatabase, TestDatabase } from '#test/support/database.js';

/**
 * Recovery and tenant locks on a real Postgres with the real job queue (pg-boss): an operation
 * that only waits for its retry keeps its one chain of jobs; a dead worker's active job is
 * cancelled and replaced by one new job; a worker whose database connection dropped takes its
 * tenant lock again, and stops if another process took it first.
 */
describe('operation recovery and tenant locks (real Postgres, real pg-boss)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let queue: PgBossJobQueue;
  let locks: PostgresTenantLocks;
  let recovery: OperationRecovery;
  let admin: pg.Client;
  const fast = { confirmMs: 200 };

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource(dataSourceOptions(db.url, { entities: PROVISIONING_ENTITIES }));
    await dataSource.initialize();
    queue = new PgBossJobQueue(db.url, 'cli');
    locks = new PostgresTenantLocks(dataSource);
    recovery = new OperationRecovery(dataSource, queue, locks);
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  });

  afterAll(async () => {
    await queue?.onApplicationShutdown();
    await admin?.end();
    await dataSource?.destroy();
    await db?.drop();
  });

  /** An operation row as a worker leaves it when it dies mid-run. */
  async function runningOperation(): Promise<Operation> {
    return dataSource.manager.save(
      dataSource.manager.create(Operation, { kind: 'provision', targetType: 'tenant', targetId: randomUUID(), organizationId: null, requestedBy: null, state: 'running', progress: 0, steps: [], attempts: 1 }),
    );
  }

  const jobsOf = async (operationId: string) =>
    (await admin.query(`select id, state from pgboss.job where name = $1 and data->>'operationId' = $2 order by created_on`, [OPERATION_QUEUE.name, operationId])).rows as { id: string; state: string }[];

  it('leaves an operation that only waits for its retry: one chain of jobs', async () => {
    const operation = await runningOperation();
    const id = await queue.send(OPERATION_QUEUE, { operationId: operation.id });
    await admin.query(`update pgboss.job set state = 'retry', retry_count = 2, start_after = now() + interval '5 minutes' where id = $1`, [id]);
    expect(await recovery.recover(fast)).toEqual([]);
    expect(await jobsOf(operation.id)).toEqual([{ id, state: 'retry' }]);
  });

  it("cancels a dead worker's active job (instead of waiting an hour for it to expire) and sends exactly one new job", async () => {
    const operation = await runningOperation();
    const id = await queue.send(OPERATION_QUEUE, { operationId: operation.id });
    await admin.query(`update pgboss.job set state = 'active', started_on = now() - interval '1 minute' where id = $1`, [id]);
    expect(await recovery.recover(fast)).toEqual([operation.id]);
    const jobs = await jobsOf(operation.id);
    expect(jobs).toHaveLength(2);
    expect(jobs[0]).toEqual({ id, state: 'cancelled' });
    expect(jobs[1].state).toBe('created');
    // the next pass finds the new job waiting: nothing more
    expect(await recovery.recover(fast)).toEqual([]);
    expect(await jobsOf(operation.id)).toHaveLength(2);
  });

  it('leaves an operation whose tenant lock a live worker holds', async () => {
    const operation = await runningOperation();
    const id = await queue.send(OPERATION_QUEUE, { operationId: operation.id });
    await admin.query(`update pgboss.job set state = 'active', started_on = now() - interval '1 minute' where id = $1`, [id]);
    let release!: () => void;
    const held = locks.withLock(operation.targetId, () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(100);
    expect(await recovery.recover(fast)).toEqual([]);
    release();
    await held;
  });

  it('makes a waiting job due now instead of sending a second one', async () => {
    const operationId = randomUUID();
    await queue.send(OPERATION_QUEUE, { operationId }, { startAfter: new Date(Date.now() + 600_000) });
    expect(await queue.runNow(OPERATION_QUEUE, { operationId })).toBe(1);
    const [{ due }] = (await admin.query(`select start_after <= now() as due from pgboss.job where data->>'operationId' = $1`, [operationId])).rows;
    expect(due).toBe(true);
    expect(await queue.liveJobs(OPERATION_QUEUE, { operationId })).toEqual([expect.objectContaining({ state: 'created' })]);
  });

  /** The backend pid holding the advisory lock of a tenant. */
  async function lockHolder(tenantId: string): Promise<number | undefined> {
    const { rows } = await admin.query(
      `select l.pid from pg_locks l where l.locktype = 'advisory' and l.granted
          and ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)`,
      [`tenant:${tenantId}`],
    );
    return rows[0]?.pid;
  }

  it('takes the lock again when the database drops its connection, and the work goes on', async () => {
    const tenantId = randomUUID();
    let release!: () => void;
    let assertHeld!: () => void;
    const held = locks.withLock(tenantId, (lock) => {
      assertHeld = () => lock.assertHeld();
      return new Promise<void>((resolve) => (release = resolve));
    });
    await sleep(100);
    const first = await lockHolder(tenantId);
    expect(first).toBeDefined();
    await admin.query('select pg_terminate_backend($1)', [first]);
    const deadline = Date.now() + 10_000;
    let again: number | undefined;
    while (Date.now() < deadline && (!again || again === first)) {
      await sleep(100);
      again = await lockHolder(tenantId);
    }
    expect(again).toBeDefined();
    expect(again).not.toBe(first);
    expect(() => assertHeld()).not.toThrow();
    release();
    await held;
    expect(await lockHolder(tenantId)).toBeUndefined();
  });

  it('stops the work when another process took the lock while the connection was gone', async () => {
    const tenantId = randomUUID();
    let release!: () => void;
    let assertHeld!: () => void;
    const held = locks.withLock(tenantId, (lock) => {
      assertHeld = () => lock.assertHeld();
      return new Promise<void>((resolve) => (release = resolve));
    });
    await sleep(100);
    const first = await lockHolder(tenantId);
    const thief = new pg.Client({ connectionString: db.url });
    await thief.connect();
    try {
      await admin.query('select pg_terminate_backend($1)', [first]);
      // the other process is quicker than the retake (its first try comes after 200 ms)
      await thief.query('select pg_advisory_lock(hashtextextended($1, 0))', [`tenant:${tenantId}`]);
      await sleep(1500);
      expect(() => assertHeld()).toThrow(/lost the lock/);
    } finally {
      release();
      await held;
      await thief.end();
    }
  });
});
