// Data source for the TypeORM CLI (`npm run migration:generate -- <Name>`): same options as the app.
import { DataSource } from 'typeorm';
import { loadConfig } from '#platform/config/app-config.js';
import { dataSourceOptions } from './data-source.js';
import { resolveDatabaseUrl } from './resolve-database-url.js';

const url = await resolveDatabaseUrl(loadConfig());
export default new DataSource(dataSourceOptions(url));
