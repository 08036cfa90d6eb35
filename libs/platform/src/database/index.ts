// The database side of the platform (TypeORM naming, the embedded Postgres); kept out of the
// main barrel so that pure code importing #platform never loads TypeORM.
export * from './embedded-postgres.js';
export * from './snake-naming.strategy.js';
