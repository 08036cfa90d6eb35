import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { checkSchemaOrExit } from '#domain';
import { resolveDatabaseUrl, waitForDatabase } from '#platform/database';
import { loadConfigOrExit, Logger, startOrExit, stopWithLauncher, tellLauncher } from '#platform';
import { createWorkerApp, lowerWorkerPriority } from './worker-app.js';

process.env.ALLMENDE_ROLE ??= 'worker';
const config = loadConfigOrExit();
lowerWorkerPriority();
const log = (line: string) => process.stdout.write(`allmende worker: ${line}\n`);
let app: INestApplicationContext | undefined;
// under the launcher: if it dies (even by SIGKILL), this process stops too
stopWithLauncher(async () => void (await app?.close()), log);
await startOrExit(async () => {
  const databaseUrl = await resolveDatabaseUrl(config);
  // a database that is away at start (restarting) is waited for, not a crash
  await waitForDatabase(databaseUrl, { log });
  await checkSchemaOrExit(databaseUrl);
  app = await createWorkerApp(config, databaseUrl);
  await app.init();
  app.get(Logger).log('Allmende worker started');
  tellLauncher({ type: 'ready' });
});
