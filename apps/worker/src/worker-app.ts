import { constants, setPriority } from 'node:os';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, Logger } from '#platform';
import { WorkerModule } from './worker.module.js';

/**
 * Background work yields to the API on a shared machine: clubs and payment providers are
 * waiting for the API's answers, nobody waits on a webhook's processing a second longer.
 */
export function lowerWorkerPriority(): void {
  setPriority(constants.priority.PRIORITY_BELOW_NORMAL);
}

/** The worker has no HTTP server: it runs jobs from the queue and the reconcile loop. */
export async function createWorkerApp(config: AppConfig, databaseUrl: string): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, databaseUrl), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  return app;
}
