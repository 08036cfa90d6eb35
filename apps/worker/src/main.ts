import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { checkSchemaOrExit, resolveDatabaseUrl } from '#domain';
import { loadConfigOrExit } from '#platform';
import { createWorkerApp } from './worker-app.js';

process.env.ALLMENDE_ROLE ??= 'worker';
const config = loadConfigOrExit();
const databaseUrl = await resolveDatabaseUrl(config);
await checkSchemaOrExit(databaseUrl);
const app = await createWorkerApp(config, databaseUrl);
await app.init();
app.get(Logger).log('Allmende worker started');
