// Background work: the one job queue (pg-boss) and the one scheduler. A sub-barrel, as it loads pg.
export * from './job-queue.js';
export * from './job-queue-metrics.js';
export * from './jobs.module.js';
export * from './scheduler.js';
