import { tenantHealth } from './tenant-health.js';

describe('tenantHealth', () => {
  it('is the worst of the running services', () => {
    expect(tenantHealth([{ state: 'running', health: 'healthy' }, { state: 'running', health: 'degraded' }])).toBe('degraded');
    expect(tenantHealth([{ state: 'running', health: 'unhealthy' }, { state: 'running', health: 'degraded' }])).toBe('unhealthy');
    expect(tenantHealth([{ state: 'running', health: 'healthy' }])).toBe('healthy');
  });

  it('is unknown before any running service was looked at; stopped services do not count', () => {
    expect(tenantHealth([])).toBe('unknown');
    expect(tenantHealth([{ state: 'stopped', health: 'unhealthy' }, { state: 'pending', health: 'unknown' }])).toBe('unknown');
  });
});
