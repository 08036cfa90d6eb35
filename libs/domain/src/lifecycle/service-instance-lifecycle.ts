import { defineMachine } from './state-machine.js';

export const SERVICE_INSTANCE_STATES = [
  'pending',
  'creating',
  'starting',
  'running',
  'unhealthy',
  'upgrading',
  'stopping',
  'stopped',
  'removing',
  'removed',
  'failed',
] as const;
export type ServiceInstanceState = (typeof SERVICE_INSTANCE_STATES)[number];

export type ServiceInstanceEvent =
  | 'create'
  | 'containers_created'
  | 'became_healthy'
  | 'became_unhealthy'
  | 'fail'
  | 'retry'
  | 'upgrade'
  | 'stop'
  | 'stopped'
  | 'start'
  | 'remove'
  | 'removed';

/** One app's containers on a Docker host, as the worker drives and observes them. */
export const serviceInstanceLifecycle = defineMachine<ServiceInstanceState, ServiceInstanceEvent>('service_instance', SERVICE_INSTANCE_STATES, {
  create: { from: ['pending'], to: 'creating' },
  containers_created: { from: ['creating'], to: 'starting' },
  became_healthy: { from: ['starting', 'unhealthy', 'upgrading'], to: 'running' },
  became_unhealthy: { from: ['running'], to: 'unhealthy' },
  fail: { from: ['creating', 'starting', 'upgrading', 'unhealthy'], to: 'failed' },
  retry: { from: ['failed'], to: 'creating' },
  upgrade: { from: ['running', 'unhealthy'], to: 'upgrading' },
  stop: { from: ['starting', 'running', 'unhealthy'], to: 'stopping' },
  stopped: { from: ['stopping'], to: 'stopped' },
  start: { from: ['stopped'], to: 'starting' },
  remove: { from: ['pending', 'creating', 'starting', 'running', 'unhealthy', 'upgrading', 'stopping', 'stopped', 'failed'], to: 'removing' },
  removed: { from: ['removing'], to: 'removed' },
});
