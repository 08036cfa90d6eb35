import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Inject, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { pinoHttp, type HttpLogger, type Options } from 'pino-http';
import { AppConfig } from '../config/app-config.js';
import { Logger, logWithinRequest } from './logger.js';

/** Anything that might carry a secret is censored before a log line is written. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.secret',
  '*.secretKey',
  '*.webhookSecret',
  '*.sealedSecrets',
  '*.sealedPassword',
];

/** Where log lines go: null is stdout (through pino-pretty when LOG_FORMAT=pretty); tests provide a stream. */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');
const HTTP_LOGGER = Symbol('HTTP_LOGGER');

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function requestLoggingOptions(config: AppConfig, component: string): Options {
  return {
    level: config.log.level,
    base: { component },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // trust a well-formed incoming id (from a proxy), else make one
    genReqId: (request, response) => {
      const incoming = request.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      response.setHeader('X-Request-Id', id);
      return id;
    },
    autoLogging: { ignore: (request) => request.url === '/healthz' || request.url === '/readyz' || request.url === '/metrics' },
    serializers: {
      req: (request: { id: unknown; method: string; url: string }) => ({ id: request.id, method: request.method, url: request.url?.split('?')[0] }),
    },
  };
}

function createHttpLogger(config: AppConfig, component: string, destination: DestinationStream | null): HttpLogger {
  const options = requestLoggingOptions(config, component);
  if (destination) return pinoHttp(options, destination);
  const transport = config.log.format === 'pretty' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined;
  return pinoHttp({ ...options, transport });
}

/**
 * Structured JSON logs (pino) with a request id per HTTP request, echoed as X-Request-Id; Nest's
 * own Logger writes through the same pino logger (install it with `app.useLogger(app.get(Logger))`).
 */
@Module({})
export class LoggingModule implements NestModule {
  constructor(@Inject(HTTP_LOGGER) private readonly httpLogger: HttpLogger) {}

  static forRoot(config: AppConfig, component: string): DynamicModule {
    return {
      module: LoggingModule,
      global: true,
      providers: [
        { provide: LOG_DESTINATION, useFactory: () => null },
        {
          provide: HTTP_LOGGER,
          inject: [LOG_DESTINATION],
          useFactory: (destination: DestinationStream | null) => createHttpLogger(config, component, destination),
        },
        { provide: Logger, inject: [HTTP_LOGGER], useFactory: (httpLogger: HttpLogger) => new Logger(httpLogger.logger) },
      ],
      exports: [Logger],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    const httpLogger = this.httpLogger;
    consumer
      .apply(function logRequest(request: IncomingMessage, response: ServerResponse, next: () => void) {
        httpLogger(request, response);
        logWithinRequest(request.log, next);
      })
      // every received webhook is recorded in the inbox table (with time and outcome):
      // a log line per event would repeat it, at a cost paid in the busiest moments
      .exclude({ method: RequestMethod.POST, path: 'webhooks/*path' })
      // '{/*splat}' rather than '*', which path-to-regexp 8 no longer accepts unnamed
      .forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}
