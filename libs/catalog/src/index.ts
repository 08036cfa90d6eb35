export * from './catalog.module.js';
export * from './plans/plans-file.js';
export * from './plans/plans.service.js';
