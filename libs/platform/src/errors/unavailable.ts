/** Seconds a client is asked to wait (Retry-After) while a system we depend on is away. */
export const RETRY_AFTER_SECONDS = 5;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * Postgres SQLSTATEs of a server that is going away, starting or full: admin_shutdown,
 * crash_shutdown, cannot_connect_now, the connection_exception class, too_many_connections.
 */
const DATABASE_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
/** node-postgres says these without a code. */
const DATABASE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|the database system is (starting up|shutting down|in recovery mode)/i;

interface ErrorShape {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  driverError?: unknown;
}

/**
 * Whether an error only says that a system we depend on (the database above all) cannot be
 * reached right now: the request was fine and will work again once it is back. Looks through
 * TypeORM's driverError and cause chains.
 */
export function isConnectionFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length && seen.size < 10) {
    const current = pending.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const e = current as ErrorShape;
    if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || DATABASE_CODES.has(e.code))) return true;
    if (typeof e.message === 'string' && DATABASE_MESSAGES.test(e.message)) return true;
    pending.push(e.driverError, e.cause);
  }
  return false;
}
