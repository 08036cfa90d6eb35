import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { isConnectionFailure } from '../errors/unavailable.js';
import { type Backoff, backoffDelay } from '../retry/backoff.js';

export interface WaitForDatabaseOptions {
  log?: (line: string) => void;
  /** Pauses between tries (default 250 ms doubling to 5 s). */
  backoff?: Backoff;
  /** Stops waiting (the process is being stopped). */
  signal?: AbortSignal;
}

/** Where a database URL points, without its password: for messages. */
export function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/**
 * Waits until the database answers a query. Only an unreachable server is waited for; a
 * refused password or a missing database fails at once (waiting would not change them).
 * Used by the api and the worker at start, so a database that restarts does not crash them.
 */
export async function waitForDatabase(url: string, options: WaitForDatabaseOptions = {}): Promise<void> {
  const backoff = options.backoff ?? { initialMs: 250, maxMs: 5000 };
  let lastSaid = 0;
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined); // a connection that drops while we ask fails the query below
    try {
      await client.connect();
      await client.query('select 1');
      if (attempt > 0) options.log?.(`the database at ${describeDatabase(url)} answers again`);
      return;
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      if (Date.now() - lastSaid > 30_000) {
        options.log?.(`waiting for the database at ${describeDatabase(url)}: ${(error as Error).message}`);
        lastSaid = Date.now();
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    await sleep(backoffDelay(attempt, backoff), undefined, { signal: options.signal });
  }
}
