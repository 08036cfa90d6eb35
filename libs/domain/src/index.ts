export * from "./database/data-source.js";
export * from "./database/database.module.js";
export * from "./database/resolve-database-url.js";
export * from './entities/index.js';
export * from './lifecycle/state-machine.js';
export * from './lifecycle/tenant-lifecycle.js';
export * from './lifecycle/service-instance-lifecycle.js';
export * from './audit/audit-log.js';
