import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { checkSchemaOrExit } from '#domain';
import { resolveDatabaseUrl } from '#platform/database';
import { loadConfigOrExit, startOrExit } from '#platform';
import { createApiApp } from './api-app.js';

process.env.ALLMENDE_ROLE ??= 'api';
const config = loadConfigOrExit();
await startOrExit(async () => {
  const databaseUrl = await resolveDatabaseUrl(config);
  await checkSchemaOrExit(databaseUrl);
  const app = await createApiApp(config, databaseUrl);
  await app.listen(config.http.port, config.http.host);
  app.get(Logger).log(`Allmende API listening on ${config.http.publicUrl} (OpenAPI at /api/docs)`);
});
