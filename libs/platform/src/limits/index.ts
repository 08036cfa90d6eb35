// Rate limits kept in Postgres: a sub-barrel, as it loads TypeORM.
export * from './limits.module.js';
export * from './rate-limit.entity.js';
export * from './rate-limits.js';
