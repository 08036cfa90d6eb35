import type { DataSourceOptions } from 'typeorm';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

/**
 * Connection options every Allmende DataSource shares. Entities come from the libraries
 * that own them (TypeOrmModule.forFeature, auto-loaded); migrations from domain's schema.
 */
export function dataSourceOptions(url: string, overrides: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    migrationsTableName: 'schema_migration',
    migrationsTransactionMode: 'each',
    // The schema changes only through migrations, reviewed like code.
    synchronize: false,
    migrationsRun: false,
    namingStrategy: new SnakeNamingStrategy(),
    // gen_random_uuid() is built into Postgres 13+; no extension to install outside migrations
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    extra: { max: 20, application_name: `allmende-${process.env.ALLMENDE_ROLE ?? 'process'}` },
    ...overrides,
  } as DataSourceOptions;
}
