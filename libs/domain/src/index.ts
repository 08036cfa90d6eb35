// The shared kernel: lifecycle state machines and their policy, the audit log, and the central schema
// (migrations). Every library may import it; it imports only the platform.
export * from './database/schema.js';
export * from './lifecycle/state-machine.js';
export * from './lifecycle/tenant-lifecycle.js';
export * from './lifecycle/service-instance-lifecycle.js';
export * from './lifecycle/lifecycle-policy.js';
export * from './audit/audit-event.entity.js';
export * from './audit/audit-log.js';
export * from './audit/audit.module.js';
