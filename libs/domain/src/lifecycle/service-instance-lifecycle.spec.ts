import { courseTo, SERVICE_INSTANCE_STATES, ServiceInstanceEvent, type ServiceInstanceGoal, ServiceInstanceState, serviceInstanceLifecycle } from './service-instance-lifecycle.js';
import { InvalidTransitionError } from './state-machine.js';

// Written out by hand, independently of the table in the code.
const ALLOWED: ReadonlyArray<[ServiceInstanceState, ServiceInstanceEvent, ServiceInstanceState]> = [
  ['pending', 'create', 'creating'],
  ['creating', 'containers_created', 'starting'],
  ['starting', 'became_healthy', 'running'],
  ['unhealthy', 'became_healthy', 'running'],
  ['upgrading', 'became_healthy', 'running'],
  ['running', 'became_unhealthy', 'unhealthy'],
  ['pending', 'fail', 'failed'],
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

describe('service instance courses', () => {
  const GOALS: ServiceInstanceGoal[] = ['creating', 'running', 'stopped', 'failed', 'removed'];

  it.each([
    ['pending', 'creating', ['create']],
    ['failed', 'creating', ['retry']],
    ['creating', 'running', ['containers_created', 'became_healthy']],
    ['stopped', 'running', ['start', 'became_healthy']],
    ['running', 'running', []],
    ['running', 'stopped', ['stop', 'stopped']],
    ['running', 'failed', ['became_unhealthy', 'fail']],
    ['stopped', 'removed', ['remove', 'removed']],
  ] as const)('%s -> %s by %p', (from, goal, events) => {
    expect(courseTo(from, goal)).toEqual(events);
  });

  it('ends every course in its goal, through transitions the machine allows', () => {
    for (const from of SERVICE_INSTANCE_STATES) {
      for (const goal of GOALS) {
        let course: ServiceInstanceEvent[];
        try {
          course = courseTo(from, goal);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidTransitionError);
          continue;
        }
        expect(course.reduce((state, event) => serviceInstanceLifecycle.next(state, event), from as ServiceInstanceState)).toBe(goal);
      }
    }
  });

  it('refuses goals an instance cannot reach: a removed one never runs again, a running one is not created anew', () => {
    expect(() => courseTo('removed', 'running')).toThrow('A service instance in state "removed" cannot become running');
    expect(() => courseTo('running', 'creating')).toThrow(InvalidTransitionError);
    expect(() => courseTo('pending', 'stopped')).toThrow(InvalidTransitionError);
  });
});
