export * from './container-runtime.port.js';
export * from './docker-connection.js';
export * from './dockerode-runtime.js';
export * from './runtime.module.js';
export * from './hosts/docker-hosts.service.js';
export * from './deployment-plan.js';
export * from './runtime-errors.js';
export { aliasOf, checkPlan } from './container-spec.js';
