import { DomainError } from '#platform';
import { isTransientEngineError, RuntimeError } from '#runtime';

/** Not worth retrying: bad template, missing image, refused plan. The operation fails with this message. */
export class PermanentFailure extends Error {
  override readonly name = 'PermanentFailure';
}

/** Another operation holds the tenant; try again later. */
export class TenantBusy extends Error {
  override readonly name = 'TenantBusy';
}

const TRANSIENT_DATABASE_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '40001', '40P01', '55P03']);

/** Engine hiccups, lost connections and lock conflicts are retried with backoff; the rest fails at once. */
export function isTransient(error: unknown): boolean {
  if (error instanceof TenantBusy) return true;
  if (error instanceof PermanentFailure) return false;
  const code = (error as { code?: string } | null)?.code;
  if (code && TRANSIENT_DATABASE_CODES.has(code)) return true;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE') return true;
  // the engine's answers: the runtime knows which ones (timeouts, 5xx) are worth another try
  if (error instanceof RuntimeError) return isTransientEngineError(error);
  if (isTransientEngineError(error)) return true;
  // other domain errors (validation, refused plans) do not fix themselves
  if (error instanceof DomainError) return error.kind === 'unavailable';
  return false;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
