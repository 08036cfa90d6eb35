import type { HistogramFamily, MetricFamily, ValueFamily } from '#platform/metrics';
import { FinishedOperations } from './finished-operations.js';
import { backupFamilies, hostFamilies, operationFamilies, tenantFamilies } from './provisioning-metrics.js';

const family = (families: MetricFamily[], name: string) => families.find((f) => f.name === name)!;
const value = (families: MetricFamily[], name: string, labels: Record<string, string> = {}) =>
  (family(families, name) as ValueFamily).samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v) && Object.keys(s.labels ?? {}).length === Object.keys(labels).length)?.value;

describe('provisioning metrics (pure mappings)', () => {
  it('counts tenants by state and app, with every state present', () => {
    const families = tenantFamilies(
      [
        { state: 'active', app: 'prosody', tenants: 3 },
        { state: 'active', app: 'wordpress', tenants: 1 },
        { state: 'failed', app: 'prosody', tenants: 1 },
      ],
      [
        { state: 'active', tenants: 3 },
        { state: 'failed', tenants: 1 },
      ],
    );
    expect(value(families, 'allmende_tenants', { state: 'active', app: 'prosody' })).toBe(3);
    expect(value(families, 'allmende_tenants', { state: 'active', app: 'wordpress' })).toBe(1);
    expect(value(families, 'allmende_tenants', { state: 'suspended', app: 'wordpress' })).toBe(0);
    expect((family(families, 'allmende_tenants') as ValueFamily).samples).toHaveLength(9 * 2);
    expect(value(families, 'allmende_tenants_by_state', { state: 'active' })).toBe(3);
    expect(value(families, 'allmende_tenants_by_state', { state: 'terminated' })).toBe(0);
  });

  it('gives every operation kind its totals, its histogram (cumulative buckets) and what is in progress', () => {
    const tally = new FinishedOperations([1, 10]).record(
      [
        { kind: 'backup', outcome: 'succeeded', settled: true, bucket: 0, operations: 3, seconds: 1.5 },
        { kind: 'backup', outcome: 'failed', settled: true, bucket: 2, operations: 1, seconds: 20 },
        { kind: 'backup', outcome: 'succeeded', settled: false, bucket: 1, operations: 2, seconds: 8 },
      ],
      new Date(),
    );
    const families = operationFamilies(tally, [{ kind: 'provision', state: 'running', operations: 2 }], [1, 10]);
    expect(value(families, 'allmende_operations_total', { kind: 'backup', outcome: 'succeeded' })).toBe(5);
    expect(value(families, 'allmende_operations_total', { kind: 'backup', outcome: 'failed' })).toBe(1);
    expect(value(families, 'allmende_operations_total', { kind: 'upgrade', outcome: 'canceled' })).toBe(0);
    const histogram = family(families, 'allmende_operation_duration_seconds') as HistogramFamily;
    expect(histogram.series.find((s) => s.labels?.kind === 'backup')).toEqual({ labels: { kind: 'backup' }, buckets: [3, 5], count: 6, sum: 29.5 });
    expect(histogram.series.find((s) => s.labels?.kind === 'restore')).toEqual({ labels: { kind: 'restore' }, buckets: [0, 0], count: 0, sum: 0 });
    expect(value(families, 'allmende_operations_in_progress', { kind: 'provision', state: 'running' })).toBe(2);
    expect(value(families, 'allmende_operations_in_progress', { kind: 'provision', state: 'queued' })).toBe(0);
  });

  it("says each host's capacity, tenants and state (1 for its state, 0 for the others)", () => {
    const families = hostFamilies([{ host: 'fsn-1', state: 'draining', capacity: 50, tenants: 12 }]);
    expect(value(families, 'allmende_host_capacity', { host: 'fsn-1' })).toBe(50);
    expect(value(families, 'allmende_host_tenants', { host: 'fsn-1' })).toBe(12);
    expect((family(families, 'allmende_host_state') as ValueFamily).samples).toEqual([
      { labels: { host: 'fsn-1', state: 'active' }, value: 0 },
      { labels: { host: 'fsn-1', state: 'draining' }, value: 1 },
      { labels: { host: 'fsn-1', state: 'unreachable' }, value: 0 },
      { labels: { host: 'fsn-1', state: 'disabled' }, value: 0 },
    ]);
  });

  it('gives a tenant never backed up an infinite backup age, and drills as 1 (passed) or 0 (failed)', () => {
    const families = backupFamilies(
      [
        { tenant: 'chess', site: 'local', ageSeconds: 3600 },
        { tenant: 'garden', site: 'local', ageSeconds: null },
      ],
      [
        { tenant: 'chess', passed: true, ageSeconds: 86_400 },
        { tenant: 'garden', passed: false, ageSeconds: null },
      ],
    );
    expect(value(families, 'allmende_backup_age_seconds', { tenant: 'chess', site: 'local' })).toBe(3600);
    expect(value(families, 'allmende_backup_age_seconds', { tenant: 'garden', site: 'local' })).toBe(Number.POSITIVE_INFINITY);
    expect(value(families, 'allmende_restore_drill_ok', { tenant: 'chess' })).toBe(1);
    expect(value(families, 'allmende_restore_drill_ok', { tenant: 'garden' })).toBe(0);
    expect(value(families, 'allmende_restore_drill_age_seconds', { tenant: 'chess' })).toBe(86_400);
    expect(value(families, 'allmende_restore_drill_age_seconds', { tenant: 'garden' })).toBeUndefined();
  });
});
