import type { ObservedContainer } from '../container-runtime.port.js';
import type { DeploymentPlan, PlannedContainer } from './deployment-plan.js';
import { liveHealth, worseHealth } from './live-health.js';

const planned = (service: string, extra: Partial<PlannedContainer> = {}): PlannedContainer => ({
  service,
  name: `alm-club-chat-${service}`,
  image: 'allmende/prosody:0.12',
  capabilities: [],
  readOnlyRootFilesystem: true,
  tmpfs: [],
  env: {},
  labels: {},
  mounts: [],
  ports: [],
  resources: { memoryBytes: 64 * 1024 * 1024, nanoCpus: 500_000_000, pidsLimit: 64 },
  restartPolicy: 'unless-stopped',
  oneShot: false,
  dependsOn: [],
  ...extra,
});

const plan: DeploymentPlan = {
  tenant: { id: 't1', slug: 'club' },
  app: 'chat',
  version: '1',
  hash: 'ab',
  network: { name: 'alm-club', labels: {} },
  volumes: [],
  containers: [planned('setup', { oneShot: true }), planned('db'), planned('web')],
  hooks: { firstStart: [], backup: [], upgrade: [] },
};

const now = new Date('2026-11-30T12:00:00Z');
const observed = (service: string, extra: Partial<ObservedContainer> = {}): ObservedContainer => ({
  id: `id-${service}`,
  name: `alm-club-chat-${service}`,
  service,
  app: 'chat',
  planHash: 'ab',
  state: 'running',
  health: 'healthy',
  role: 'service',
  restartCount: 0,
  oomKilled: false,
  exitCode: 0,
  startedAt: '2026-11-29T08:00:00Z',
  limits: { memoryBytes: 64 * 1024 * 1024, memorySwapBytes: 64 * 1024 * 1024, nanoCpus: 500_000_000, pidsLimit: 64 },
  ...extra,
});

describe('liveHealth: an app as the engine reports it now', () => {
  it('is healthy when every service runs and passes its check (one-shots are not services)', () => {
    expect(liveHealth(plan, [observed('db'), observed('web', { health: 'none' })], now)).toEqual({ health: 'healthy', problems: [] });
  });

  it('is unhealthy while the engine keeps restarting a service, and says when the OOM killer did it', () => {
    const verdict = liveHealth(plan, [observed('db'), observed('web', { state: 'restarting', restartCount: 7, oomKilled: true, exitCode: 137 })], now);
    expect(verdict.health).toBe('unhealthy');
    expect(verdict.problems).toEqual(['web keeps stopping and is being restarted (7 restarts); the last exit was the out-of-memory killer (limit 64 MiB)']);
  });

  it('is degraded when a service runs again after a recent restart, healthy once that is long past', () => {
    const restarted = observed('web', { restartCount: 3, startedAt: '2026-11-30T11:58:30Z', oomKilled: true });
    expect(liveHealth(plan, [observed('db'), restarted], now)).toEqual({
      health: 'degraded',
      problems: ['web was restarted by the engine at 2026-11-30T11:58:30Z (3 restarts); the last exit was the out-of-memory killer (limit 64 MiB)'],
    });
    expect(liveHealth(plan, [observed('db'), restarted], new Date('2026-11-30T13:00:00Z')).health).toBe('healthy');
  });

  it('is unhealthy when a service is missing, stopped, paused or fails its check', () => {
    expect(liveHealth(plan, [observed('db')], now)).toEqual({ health: 'unhealthy', problems: ['web is missing'] });
    expect(liveHealth(plan, [observed('db', { state: 'exited', exitCode: 1 }), observed('web')], now).problems).toEqual(['db is not running (exited, exit code 1)']);
    expect(liveHealth(plan, [observed('db', { state: 'paused' }), observed('web')], now).health).toBe('unhealthy');
    expect(liveHealth(plan, [observed('db', { health: 'unhealthy' }), observed('web')], now).problems).toEqual(['db fails its health check']);
  });

  it("counts the engine's 'starting' (its first check is an interval away) as healthy; the worst service decides", () => {
    expect(liveHealth(plan, [observed('db', { health: 'starting' }), observed('web')], now)).toEqual({ health: 'healthy', problems: [] });
    expect(liveHealth(plan, [observed('db', { health: 'starting' }), observed('web', { state: 'exited', exitCode: 0 })], now).health).toBe('unhealthy');
    expect(worseHealth('degraded', 'healthy')).toBe('degraded');
    expect(worseHealth('healthy', 'unhealthy')).toBe('unhealthy');
  });

  it("looks only at the plan's app (a tenant's other apps have their own verdict)", () => {
    expect(liveHealth(plan, [observed('db'), { ...observed('web'), app: 'other' }], now).problems).toEqual(['web is missing']);
  });
});
