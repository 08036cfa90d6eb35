import { DomainError, type DomainErrorKind } from '#platform/errors';

/**
 * Why the runtime refused or failed, as a stable code:
 * - runtime.plan_refused: the plan asks for something the adapter never does (host paths, ...)
 * - runtime.name_conflict: an object with a planned name exists but its labels do not prove we own it
 * - runtime.not_owned: the object asked for is not labelled for this tenant
 * - runtime.image_missing: an image the plan uses is not on the engine
 * - runtime.start_failed: a container exited, turned unhealthy or was not healthy in time
 * - runtime.hook_failed / runtime.exec_timeout: docker exec ended badly
 * - runtime.engine_error: the engine answered with an error (EngineError)
 * - runtime.task_timeout / runtime.task_aborted: a task container was killed (and removed)
 * - runtime.interrupted: a container was stopped or restarted under a running command or start
 *   (the engine restarted, an operator stopped it); another try finds it running again
 */
export type RuntimeErrorCode =
  | 'runtime.plan_refused'
  | 'runtime.name_conflict'
  | 'runtime.not_owned'
  | 'runtime.image_missing'
  | 'runtime.start_failed'
  | 'runtime.hook_failed'
  | 'runtime.exec_timeout'
  | 'runtime.engine_error'
  | 'runtime.task_timeout'
  | 'runtime.task_aborted'
  | 'runtime.interrupted';

const KIND: Record<RuntimeErrorCode, DomainErrorKind> = {
  'runtime.plan_refused': 'validation',
  'runtime.name_conflict': 'conflict',
  'runtime.not_owned': 'not_found',
  'runtime.image_missing': 'invalid_state',
  'runtime.start_failed': 'invalid_state',
  'runtime.hook_failed': 'invalid_state',
  'runtime.exec_timeout': 'invalid_state',
  'runtime.engine_error': 'unavailable',
  'runtime.task_timeout': 'invalid_state',
  'runtime.task_aborted': 'invalid_state',
  'runtime.interrupted': 'unavailable',
};

export class RuntimeError extends DomainError {
  constructor(code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(KIND[code], code, message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** The engine refused a call; `engineMessage` is the engine's own words. */
export class EngineError extends RuntimeError {
  readonly statusCode?: number;
  readonly engineMessage: string;

  constructor(action: string, cause: unknown) {
    const engineMessage = engineMessageOf(cause);
    const status = statusCodeOf(cause);
    super('runtime.engine_error', `Docker engine: ${action} failed: ${engineMessage}${status ? ` (HTTP ${status})` : ''}`, { cause });
    this.statusCode = status;
    this.engineMessage = engineMessage;
  }
}

interface DockerodeErrorShape {
  statusCode?: number;
  json?: unknown;
  code?: string;
  message?: string;
  cause?: unknown;
}

export function statusCodeOf(error: unknown): number | undefined {
  const status = (error as DockerodeErrorShape | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function isNotFound(error: unknown): boolean {
  return statusCodeOf(error) === 404;
}

/** dockerode puts the engine's answer in `json.message` (or a Buffer/string for streamed calls). */
export function engineMessageOf(error: unknown): string {
  const e = error as DockerodeErrorShape | null;
  const json = e?.json;
  if (json && typeof json === 'object' && !Buffer.isBuffer(json) && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message;
  }
  if (typeof json === 'string' && json.trim()) return json.trim();
  if (Buffer.isBuffer(json) && json.length) return json.toString('utf8').trim();
  const message = e?.message ?? String(error);
  // "(HTTP code 404) no such container - No such container: x " -> "No such container: x"
  const match = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(message);
  return (match ? match[1] : message).trim();
}

/** Runs one engine call and turns its failure into an EngineError that says what was being done. */
export async function engineCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof RuntimeError) throw error;
    throw new EngineError(action, error);
  }
}

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ESOCKETTIMEDOUT']);
/** 5xx answers that no retry will fix. */
const PERMANENT_MESSAGE = /no such (image|container|volume|network)|invalid|not found|manifest unknown|pull access denied|executable file not found|permission denied|conflict|already in use|bad parameter|minimum memory/i;
/**
 * 409s about the container's state, not the request: an exec into a container the engine is
 * restarting (or that an engine restart stopped) succeeds once it runs again.
 */
const TRANSIENT_CONFLICT = /is not running|is restarting|is paused|is (being )?(started|stopped)|removal of container .* is already in progress/i;
/** Connection failures that mean nothing answers at the endpoint at all (as opposed to a hiccup in a conversation). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/** The errors an error wraps, outermost first (cause chains, a few levels deep). */
type ChainedError = DockerodeErrorShape & { syscall?: string };

function* chain(error: unknown): Generator<unknown> {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    yield current;
    current = (current as DockerodeErrorShape).cause;
  }
}

/**
 * Whether retrying the same call later may succeed: the engine was unreachable or hung up,
 * answered 5xx for a reason that is not about the request itself, or a container was not
 * running at that moment (engine restart). 4xx, permanent 5xx (e.g. "No such image",
 * "invalid reference format") and our own refusals are permanent.
 */
export function isTransientEngineError(error: unknown): boolean {
  for (const link of chain(error)) {
    if (link instanceof RuntimeError && !(link instanceof EngineError)) {
      if (link.code === 'runtime.interrupted') return true;
      // an exec stream that broke wraps the engine's failure: that decides
      if (link.code === 'runtime.engine_error') continue;
      return false;
    }
    const e = link as ChainedError;
    if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
    // the socket file is gone while a local engine restarts
    if (e.code === 'ENOENT' && e.syscall === 'connect') return true;
    if (typeof e.message === 'string' && /socket hang up/i.test(e.message)) return true;
    const status = statusCodeOf(e);
    if (status !== undefined) {
      if (status === 408 || status === 429) return true;
      if (status === 409) return TRANSIENT_CONFLICT.test(engineMessageOf(e));
      if (status >= 500) return !PERMANENT_MESSAGE.test(engineMessageOf(e));
      return false;
    }
  }
  return false;
}

/**
 * Whether nothing answers at the engine's address at all (no socket, connection refused, no
 * route): not a failure of the work but a missing engine. Callers wait for it without using
 * up retries, and tell the operator where they looked.
 */
export function isEngineUnreachable(error: unknown): boolean {
  for (const link of chain(error)) {
    if (link instanceof RuntimeError && !(link instanceof EngineError) && link.code !== 'runtime.engine_error') return false;
    const e = link as ChainedError;
    if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
    if (e.syscall === 'connect' && (e.code === 'ENOENT' || e.code === 'ETIMEDOUT' || e.code === 'EACCES')) return true;
    if (statusCodeOf(e) !== undefined) return false; // it answered
  }
  return false;
}
