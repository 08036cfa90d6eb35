export * from './operations/operation-kinds.js';
export * from './operations/operations.service.js';
export * from './provisioning.module.js';
export * from './queue/job-queue.js';
export * from './tenants/tenant-lifecycle.service.js';
export * from './tenants/tenant-names.js';
export * from './tenants/tenants.service.js';
