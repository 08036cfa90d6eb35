import { register as globalRegistry } from 'prom-client';
import { filledSamples, MetricsCollector, type MetricFamily } from './metric-family.js';
import { MetricsRegistry } from './metrics-registry.js';

class FixedCollector extends MetricsCollector {
  calls = 0;
  constructor(
    readonly name: string,
    private readonly families: () => MetricFamily[],
    private readonly delayMs = 0,
  ) {
    super();
  }

  async collect(): Promise<MetricFamily[]> {
    this.calls++;
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.families();
  }
}

const lines = (text: string) => text.split('\n');

describe('MetricsRegistry (the Prometheus text of GET /metrics)', () => {
  it('renders gauges, counters and database-counted histograms with their HELP and TYPE', async () => {
    const registry = new MetricsRegistry([
      new FixedCollector('test', () => [
        { type: 'gauge', name: 'allmende_things', help: 'Things by colour', labelNames: ['colour'], samples: [{ labels: { colour: 'red' }, value: 3 }, { labels: { colour: 'blue' }, value: 0 }] },
        { type: 'gauge', name: 'allmende_lag_seconds', help: 'Lag', labelNames: [], samples: [{ value: 1.5 }] },
        { type: 'gauge', name: 'allmende_age_seconds', help: 'Age', labelNames: ['tenant'], samples: [{ labels: { tenant: 'never' }, value: Number.POSITIVE_INFINITY }] },
        { type: 'counter', name: 'allmende_done_total', help: 'Done', labelNames: ['kind'], samples: [{ labels: { kind: 'a' }, value: 7 }, { labels: { kind: 'b' }, value: 0 }] },
        {
          type: 'histogram',
          name: 'allmende_took_seconds',
          help: 'Took',
          labelNames: ['kind'],
          bounds: [1, 10],
          series: [{ labels: { kind: 'a' }, buckets: [2, 5], count: 6, sum: 42.5 }],
        },
      ]),
    ]);
    const text = lines(await registry.scrape());
    expect(text).toEqual(
      expect.arrayContaining([
        '# HELP allmende_things Things by colour',
        '# TYPE allmende_things gauge',
        'allmende_things{colour="red"} 3',
        'allmende_things{colour="blue"} 0',
        'allmende_lag_seconds 1.5',
        'allmende_age_seconds{tenant="never"} +Inf',
        '# TYPE allmende_done_total counter',
        'allmende_done_total{kind="a"} 7',
        'allmende_done_total{kind="b"} 0',
        '# TYPE allmende_took_seconds histogram',
        'allmende_took_seconds_bucket{le="1",kind="a"} 2',
        'allmende_took_seconds_bucket{le="10",kind="a"} 5',
        'allmende_took_seconds_bucket{le="+Inf",kind="a"} 6',
        'allmende_took_seconds_sum{kind="a"} 42.5',
        'allmende_took_seconds_count{kind="a"} 6',
      ]),
    );
    expect(registry.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it("adds the process's own metrics from a registry of its own, not prom-client's global one", async () => {
    const registry = new MetricsRegistry([]);
    const text = await registry.scrape();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(globalRegistry.getMetricsAsArray()).toHaveLength(0);
    // a second scrape renders them again (registered once, not twice)
    expect(await registry.scrape()).toMatch(/^process_cpu_user_seconds_total \d/m);
  });

  it('says how long each collector took', async () => {
    const registry = new MetricsRegistry([new FixedCollector('slow', () => [], 30), new FixedCollector('fast', () => [])]);
    const text = await registry.scrape();
    const slow = Number(/^allmende_metrics_collect_seconds\{collector="slow"\} (\S+)$/m.exec(text)?.[1]);
    expect(slow).toBeGreaterThanOrEqual(0.025);
    expect(text).toMatch(/^allmende_metrics_collect_seconds\{collector="fast"\} \S+$/m);
  });

  it('lets concurrent scrapes share one pass over the collectors, and runs a new pass afterwards', async () => {
    const collector = new FixedCollector('test', () => [{ type: 'gauge', name: 'allmende_x', help: 'x', labelNames: [], samples: [{ value: 1 }] }], 20);
    const registry = new MetricsRegistry([collector]);
    const [first, second] = await Promise.all([registry.scrape(), registry.scrape()]);
    expect(collector.calls).toBe(1);
    expect(first).toBe(second);
    await registry.scrape();
    expect(collector.calls).toBe(2);
  });

  it('drops a label combination that is gone from the database at the next scrape', async () => {
    let colours = ['red', 'blue'];
    const registry = new MetricsRegistry([
      new FixedCollector('test', () => [{ type: 'gauge', name: 'allmende_things', help: 'x', labelNames: ['colour'], samples: colours.map((colour) => ({ labels: { colour }, value: 1 })) }]),
    ]);
    expect(await registry.scrape()).toContain('allmende_things{colour="blue"} 1');
    colours = ['red'];
    const text = await registry.scrape();
    expect(text).toContain('allmende_things{colour="red"} 1');
    expect(text).not.toContain('colour="blue"');
  });

  it('fails the scrape when a collector fails (Prometheus then records the target as down)', async () => {
    const registry = new MetricsRegistry([
      new FixedCollector('broken', () => {
        throw new Error('database gone');
      }),
    ]);
    await expect(registry.scrape()).rejects.toThrow('database gone');
  });

  it('refuses a label the family does not declare (a programming error, found by this test tier)', async () => {
    const registry = new MetricsRegistry([
      new FixedCollector('test', () => [{ type: 'gauge', name: 'allmende_x', help: 'x', labelNames: ['a'], samples: [{ labels: { b: '1' }, value: 1 }] }]),
    ]);
    await expect(registry.scrape()).rejects.toThrow(/label/i);
  });
});

describe('filledSamples', () => {
  it('gives every combination of the label values, 0 where there is no row, and adds rows up', () => {
    const samples = filledSamples({ state: ['active', 'failed'], app: ['prosody', 'wordpress'] }, [
      { labels: { state: 'active', app: 'prosody' }, value: 2 },
      { labels: { state: 'active', app: 'prosody' }, value: 1 },
    ]);
    expect(samples).toEqual([
      { labels: { state: 'active', app: 'prosody' }, value: 3 },
      { labels: { state: 'active', app: 'wordpress' }, value: 0 },
      { labels: { state: 'failed', app: 'prosody' }, value: 0 },
      { labels: { state: 'failed', app: 'wordpress' }, value: 0 },
    ]);
  });

  it('keeps rows with values outside the given ones', () => {
    expect(filledSamples({ kind: ['backup'] }, [{ labels: { kind: 'retired-kind' }, value: 4 }])).toEqual([
      { labels: { kind: 'backup' }, value: 0 },
      { labels: { kind: 'retired-kind' }, value: 4 },
    ]);
  });

  it('gives no samples when a label has no values and there are no rows', () => {
    expect(filledSamples({ state: ['a'], app: [] }, [])).toEqual([]);
  });
});
