// Custom domains (verified through DNS) and readiness checks. See docs/custom-domains.md.
export * from './check-result.js';
export * from './custom-domains.service.js';
export * from './dns-records.js';
export * from './dns-resolver.port.js';
export * from './domain-letters.js';
export * from './domain-rechecks.js';
export * from './domain-serving.listener.js';
export * from './domain-verification.js';
export * from './homographs.js';
export * from './node-dns-resolver.js';
export * from './owner-addresses.service.js';
export * from './readiness/evaluate.js';
export * from './readiness/probes.js';
export * from './readiness/readiness-schedule.js';
export * from './readiness/readiness-settings.js';
export * from './readiness/readiness.service.js';
