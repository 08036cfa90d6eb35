import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import type { Level, Logger as Pino } from 'pino';

/** The pino-http child logger (bound to `req`) of the HTTP request being handled. */
const requestLogger = new AsyncLocalStorage<Pino>();

/** Runs the rest of a request's handling so that every Logger line inside it carries the request's bindings. */
export function logWithinRequest(log: Pino, next: () => void): void {
  requestLogger.run(log, next);
}

/**
 * Nest's LoggerService written as pino JSON lines: `new Logger('Context').warn(...)` anywhere in
 * the app comes out with `context`, an object first argument is merged into the line (`err` goes
 * through pino's err serializer), and inside an HTTP request the line carries `req` too.
 * Installed with `app.useLogger(app.get(Logger))`.
 */
export class Logger implements LoggerService {
  constructor(private readonly root: Pino) {}

  readonly verbose = this.writerAt('trace');
  readonly debug = this.writerAt('debug');
  readonly log = this.writerAt('info');
  readonly warn = this.writerAt('warn');
  readonly error = this.writerAt('error');
  readonly fatal = this.writerAt('fatal');

  private writerAt(level: Level): (message: unknown, ...params: unknown[]) => void {
    return (message, ...params) => this.write(level, message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const pino = requestLogger.getStore() ?? this.root;
    const fields: Record<string, unknown> = {};
    // Nest's Logger passes its context as the last parameter
    if (params.length > 0) fields.context = params.at(-1);
    const rest = params.slice(0, -1);
    if (message instanceof Error) {
      pino[level]({ ...fields, err: message }, ...(rest as [string?]));
    } else if (typeof message === 'object' && message !== null) {
      pino[level]({ ...fields, ...message }, ...(rest as [string?]));
    } else if (level === 'error' && typeof message === 'string' && isStack(rest)) {
      // Nest's exception handlers may call error(message, stack)
      const err = new Error(message);
      err.stack = rest[0];
      pino[level]({ ...fields, err });
    } else {
      pino[level](fields, String(message), ...rest);
    }
  }
}

function isStack(rest: unknown[]): rest is [string] {
  return rest.length === 1 && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0]);
}
