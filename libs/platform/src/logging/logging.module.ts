import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.js';

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

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Structured JSON logs (pino) with a request id per HTTP request, echoed as X-Request-Id. */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, component: string): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.log.level,
            base: { component },
            redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
            transport: config.log.format === 'pretty' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
            // trust a well-formed incoming id (from a proxy), else make one
            genReqId: (request: IncomingMessage, response) => {
              const incoming = request.headers['x-request-id'];
              const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
              response.setHeader('X-Request-Id', id);
              return id;
            },
            autoLogging: { ignore: (request) => request.url === '/healthz' || request.url === '/readyz' },
            serializers: {
              req: (request: { id: unknown; method: string; url: string }) => ({ id: request.id, method: request.method, url: request.url?.split('?')[0] }),
            },
          },
          // every received webhook is recorded in the inbox table (with time and outcome):
          // a log line per event would repeat it, at a cost paid in the busiest moments
          exclude: [{ method: RequestMethod.POST, path: 'webhooks/*path' }],
        }),
      ],
    };
  }
}
