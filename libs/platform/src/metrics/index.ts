// Operators' monitoring: GET /metrics in the Prometheus format (prom-client). A sub-barrel, as it loads prom-client.
export * from './metric-family.js';
export * from './metrics-registry.js';
export * from './metrics.module.js';
