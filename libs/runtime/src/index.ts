// What other libraries use of the runtime: plan types and labels, the pure diff, the
// ContainerRuntime port and its errors. Nothing here loads dockerode; the adapter is in ./docker.
export * from './container-runtime.port.js';
export * from './plan/deployment-plan.js';
export * from './plan/deployment-diff.js';
export { aliasOf, checkPlan } from './plan/container-spec.js';
export * from './plan/container-security.js';
export * from './plan/system-container.js';
export * from './runtime-errors.js';
export * from './task.js';
export * from './plan/live-health.js';
