// The database side of the platform: connection options, the root DatabaseModule, the embedded
// Postgres. Kept out of the main barrel so that pure code importing #platform never loads TypeORM.
export * from './data-source-options.js';
export * from './database.module.js';
export * from './embedded-postgres.js';
export * from './resolve-database-url.js';
export * from './snake-naming.strategy.js';
export * from './wait-for-database.js';
