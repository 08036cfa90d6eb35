import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { raw, type NextFunction, type Request, type Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { PlansService } from '#catalog';
import { AppConfig, DomainExceptionFilter, Logger, validationErrorFactory } from '#platform';
import { DockerHostsService } from '#provisioning';
import { en, problemWords } from '#storefront';
import { ApiModule } from './api.module.js';
import { depthLimitedJsonParser } from './json-body.js';

/**
 * On every response, JSON and API docs included: no MIME sniffing, no framing, no referrer; HSTS
 * when the request came over HTTPS (directly, or as a trusted proxy says). Pages add their own
 * stricter Content-Security-Policy.
 */
function securityHeaders(request: Request, response: Response, next: NextFunction): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
  if (request.secure) response.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  next();
}

/** Builds the HTTP application; main.ts listens, tests use it in-process. */
export async function createApiApp(config: AppConfig, databaseUrl: string): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(config, databaseUrl), {
    rawBody: true, // Stripe signatures are computed over the exact bytes received
    bufferLogs: true,
    abortOnError: false, // throw instead of process.exit, so callers decide
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.use(securityHeaders);
  // X-Forwarded-For is believed only from the proxies the operator names (the edge proxy): nobody else's
  app.set('trust proxy', config.http.trustedProxies.length ? config.http.trustedProxies.join(',') : false);
  // webhooks are verified over the exact bytes and stored as received: no JSON parse on the way in
  app.use('/webhooks', raw({ type: () => true, limit: '1mb' }));
  // JSON nested thousands deep is a 400, not a stack overflow later (Nest then skips its own JSON parser)
  app.use(depthLimitedJsonParser());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationErrorFactory,
    }),
  );
  // problems are said in the storefront's English texts: one place for words
  app.useGlobalFilters(new DomainExceptionFilter(problemWords(en)));
  app.enableShutdownHooks();

  const openApi = new DocumentBuilder()
    .setTitle('Allmende')
    .setDescription('Control plane for cooperative hosting of federated apps')
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openApi), { jsonDocumentUrl: 'api/docs/openapi.json' });

  await app.get(DockerHostsService).registerConfigured();
  await app.get(PlansService).syncFromConfiguration();
  return app;
}
