import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { checkSchemaOrExit } from '#domain';
import { resolveDatabaseUrl } from '#platform/database';
import { loadConfigOrExit, startOrExit } from '#platform';
import { createWorkerApp, lowerWorkerPriority } from './worker-app.js';

process.env.ALLMENDE_ROLE ??= 'worker';
const config = loadConfigOrExit();
lowerWorkerPriority();
await startOrExit(async () => {
  const databaseUrl = await resolveDatabaseUrl(config);
  await checkSchemaOrExit(databaseUrl);
  const app = await createWorkerApp(config, databaseUrl);
  await app.init();
  app.get(Logger).log('Allmende worker started');
});
