import { SERVICE_INSTANCE_STATES, ServiceInstanceEvent, ServiceInstanceState, serviceInstanceLifecycle } from './service-instance-lifecycle.js';
import { InvalidTransitionError } from './state-machine.js';

// Written out by hand, independently of the table in the code.
const ALLOWED: ReadonlyArray<[ServiceInstanceState, ServiceInstanceEvent, ServiceInstanceState]> = [
  ['pending', 'create', 'creating'],
  ['creating', 'containers_created', 'starting'],
  ['starting', 'became_healthy', 'running'],
  ['unhealthy', 'became_healthy', 'running'],
  ['upgrading', 'became_healthy', 'running'],
  ['running', 'became_unhealthy', 'unhealthy'],
  ['creating', 'fail', 'failed'],
  ['starting', 'fail', 'failed'],
  ['upgrading', 'fail', 'failed'],
  ['unhealthy', 'fail', 'failed'],
  ['failed', 'retry', 'creating'],
  ['running', 'upgrade', 'upgrading'],
  ['unhealthy', 'upgrade', 'upgrading'],
  ['starting', 'stop', 'stopping'],
  ['running', 'stop', 'stopping'],
  ['unhealthy', 'stop', 'stopping'],
  ['stopping', 'stopped', 'stopped'],
  ['stopped', 'start', 'starting'],
  ['pending', 'remove', 'removing'],
  ['creating', 'remove', 'removing'],
  ['starting', 'remove', 'removing'],
  ['running', 'remove', 'removing'],
  ['unhealthy', 'remove', 'removing'],
  ['upgrading', 'remove', 'removing'],
  ['stopping', 'remove', 'removing'],
  ['stopped', 'remove', 'removing'],
  ['failed', 'remove', 'removing'],
  ['removing', 'removed', 'removed'],
];

const EVENTS: ServiceInstanceEvent[] = [
  'create', 'containers_created', 'became_healthy', 'became_unhealthy', 'fail', 'retry', 'upgrade', 'stop', 'stopped',
  'start', 'remove', 'removed',
];

const allowed = new Map(ALLOWED.map(([from, event, to]) => [`${from}/${event}`, to]));
const refused = SERVICE_INSTANCE_STATES.flatMap((from) => EVENTS.map((event) => [from, event] as const)).filter(
  ([from, event]) => !allowed.has(`${from}/${event}`),
);

describe('service instance lifecycle', () => {
  it('knows exactly the events the runtime defines', () => {
    expect([...serviceInstanceLifecycle.events].sort()).toEqual([...EVENTS].sort());
  });

  it.each(ALLOWED)('%s --%s--> %s', (from, event, to) => {
    expect(serviceInstanceLifecycle.next(from, event)).toBe(to);
  });

  it.each(refused)('refuses %s --%s-->', (from, event) => {
    expect(() => serviceInstanceLifecycle.next(from, event)).toThrow(InvalidTransitionError);
  });

  it('never leaves removed', () => {
    expect(serviceInstanceLifecycle.eventsFrom('removed')).toEqual([]);
  });
});
