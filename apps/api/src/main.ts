import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { checkSchemaOrExit } from '#domain';
import { resolveDatabaseUrl, waitForDatabase } from '#platform/database';
import { loadConfigOrExit, Logger, startOrExit, stopWithLauncher, tellLauncher } from '#platform';
import { createApiApp } from './api-app.js';
import { serveUnavailable } from './unavailable-server.js';

process.env.ALLMENDE_ROLE ??= 'api';
const config = loadConfigOrExit();
const log = (line: string) => process.stdout.write(`allmende api: ${line}\n`);
let app: NestExpressApplication | undefined;
// under the launcher: if it dies (even by SIGKILL), this process stops and frees the port
stopWithLauncher(async () => void (await app?.close()), log);
await startOrExit(async () => {
  const databaseUrl = await resolveDatabaseUrl(config);
  // while the database is away at start, the port answers 503 + Retry-After instead of refusing
  const placeholder = await serveUnavailable(config.http.port, config.http.host);
  await waitForDatabase(databaseUrl, { log });
  await checkSchemaOrExit(databaseUrl);
  app = await createApiApp(config, databaseUrl);
  await placeholder.close();
  await app.listen(config.http.port, config.http.host);
  app.get(Logger).log(`Allmende API listening on ${config.http.publicUrl} (OpenAPI at /api/docs)`);
  tellLauncher({ type: 'ready' });
});
