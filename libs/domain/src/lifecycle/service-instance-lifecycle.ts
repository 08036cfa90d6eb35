import { defineMachine, InvalidTransitionError } from './state-machine.js';

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
  // a pending instance fails too when provisioning stops before its containers are made
  fail: { from: ['pending', 'creating', 'starting', 'upgrading', 'unhealthy'], to: 'failed' },
  retry: { from: ['failed'], to: 'creating' },
  upgrade: { from: ['running', 'unhealthy'], to: 'upgrading' },
  stop: { from: ['starting', 'running', 'unhealthy'], to: 'stopping' },
  stopped: { from: ['stopping'], to: 'stopped' },
  start: { from: ['stopped'], to: 'starting' },
  remove: { from: ['pending', 'creating', 'starting', 'running', 'unhealthy', 'upgrading', 'stopping', 'stopped', 'failed'], to: 'removing' },
  removed: { from: ['removing'], to: 'removed' },
});

/** Where the worker takes an instance: the states its steps report. */
export type ServiceInstanceGoal = 'creating' | 'running' | 'stopped' | 'failed' | 'removed';

/**
 * The events that take an instance from `from` to `goal` by its ordinary course. Each course is
 * written out and checked against the machine, so an instance is never moved by an event its
 * state does not allow: a goal it cannot reach from `from` is refused with InvalidTransitionError.
 */
const COURSES: Readonly<Record<ServiceInstanceGoal, Partial<Record<ServiceInstanceState, readonly ServiceInstanceEvent[]>>>> = {
  creating: { pending: ['create'], failed: ['retry'], creating: [] },
  running: {
    creating: ['containers_created', 'became_healthy'],
    starting: ['became_healthy'],
    unhealthy: ['became_healthy'],
    upgrading: ['became_healthy'],
    stopped: ['start', 'became_healthy'],
    running: [],
  },
  stopped: { starting: ['stop', 'stopped'], running: ['stop', 'stopped'], unhealthy: ['stop', 'stopped'], stopping: ['stopped'], stopped: [] },
  failed: { pending: ['fail'], creating: ['fail'], starting: ['fail'], upgrading: ['fail'], unhealthy: ['fail'], running: ['became_unhealthy', 'fail'], failed: [] },
  removed: {
    pending: ['remove', 'removed'],
    creating: ['remove', 'removed'],
    starting: ['remove', 'removed'],
    running: ['remove', 'removed'],
    unhealthy: ['remove', 'removed'],
    upgrading: ['remove', 'removed'],
    stopping: ['remove', 'removed'],
    stopped: ['remove', 'removed'],
    failed: ['remove', 'removed'],
    removing: ['removed'],
    removed: [],
  },
};

export function courseTo(from: ServiceInstanceState, goal: ServiceInstanceGoal): ServiceInstanceEvent[] {
  const course = COURSES[goal][from];
  if (!course) throw new InvalidTransitionError('service_instance', from, `become ${goal}`);
  let state = from;
  for (const event of course) state = serviceInstanceLifecycle.next(state, event);
  return [...course];
}
