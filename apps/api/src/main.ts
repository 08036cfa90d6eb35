import 'reflect-metadata';
import { checkSchemaOrExit, resolveDatabaseUrl } from '#domain';
import { loadConfigOrExit } from '#platform';
import { Logger as AppLogger } from 'nestjs-pino';
import { createApiApp } from './api-app.js';

process.env.ALLMENDE_ROLE ??= 'api';
const config = loadConfigOrExit();
const databaseUrl = await resolveDatabaseUrl(config);
await checkSchemaOrExit(databaseUrl);
const app = await createApiApp(config, databaseUrl);
await app.listen(config.http.port, config.http.host);
app.get(AppLogger).log(`Allmende API listening on ${config.http.publicUrl} (OpenAPI at /api/docs)`);
