import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HistogramFamily, MetricFamily, MetricsCollector } from './metric-family.js';

/** The collectors the entry point serving /metrics names (see MetricsModule.forRoot). */
export const METRICS_COLLECTORS = Symbol('METRICS_COLLECTORS');

/**
 * A histogram whose buckets were counted by the database: prom-client's Histogram can only observe
 * one value at a time, so this one renders the given counts in the same shape its parent does.
 */
class CountedHistogram extends Histogram<string> {
  private readonly family: HistogramFamily;

  constructor(family: HistogramFamily, registry: Registry) {
    super({ name: family.name, help: family.help, labelNames: [...family.labelNames], buckets: [...family.bounds], registers: [registry] });
    this.family = family;
  }

  // prom-client's registry renders through this method when a metric has it (Histogram does), and get() uses it too
  async getForPromString() {
    const { name, help, bounds, series } = this.family;
    const values = series.flatMap((one) => {
      const sharedLabels = { ...one.labels };
      return [
        ...bounds.map((bound, i) => ({ labels: { le: bound }, sharedLabels, value: one.buckets[i], metricName: `${name}_bucket` })),
        { labels: { le: '+Inf' }, sharedLabels, value: one.count, metricName: `${name}_bucket` },
        { labels: {}, sharedLabels, value: one.sum, metricName: `${name}_sum` },
        { labels: {}, sharedLabels, value: one.count, metricName: `${name}_count` },
      ];
    });
    return { name, help, type: 'histogram', values, aggregator: 'sum' };
  }
}

/** Adds one collected family to a registry as the prom-client metric of its type. */
function register(registry: Registry, family: MetricFamily): void {
  const config = { name: family.name, help: family.help, labelNames: [...family.labelNames], registers: [registry] };
  switch (family.type) {
    case 'gauge': {
      const gauge = new Gauge(config);
      for (const sample of family.samples) gauge.set({ ...sample.labels }, sample.value);
      return;
    }
    case 'counter': {
      const counter = new Counter(config);
      for (const sample of family.samples) counter.inc({ ...sample.labels }, sample.value);
      return;
    }
    case 'histogram':
      new CountedHistogram(family, registry);
      return;
  }
}

/**
 * The metrics of this process in the Prometheus text format: the process's own (CPU, memory,
 * event loop, registered once in a registry of our own, not prom-client's global one) and what
 * the collectors read from the database at each scrape.
 */
@Injectable()
export class MetricsRegistry {
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  private readonly processMetrics = new Registry();
  private scraping?: Promise<string>;

  constructor(@Inject(METRICS_COLLECTORS) private readonly collectors: readonly MetricsCollector[]) {
    collectDefaultMetrics({ register: this.processMetrics });
  }

  /** Scrapes arriving while one runs share it: the database is asked once, however many Prometheus servers ask. */
  scrape(): Promise<string> {
    this.scraping ??= this.render().finally(() => {
      this.scraping = undefined;
    });
    return this.scraping;
  }

  private async render(): Promise<string> {
    const collected = await Promise.all(
      this.collectors.map(async (collector) => {
        const started = performance.now();
        const families = await collector.collect();
        return { collector: collector.name, families, seconds: (performance.now() - started) / 1000 };
      }),
    );
    // a fresh registry per scrape: a label combination gone from the database is gone from the answer
    const scrape = new Registry();
    for (const { families } of collected) for (const family of families) register(scrape, family);
    register(scrape, {
      type: 'gauge',
      name: 'allmende_metrics_collect_seconds',
      help: 'How long each collector took to read its numbers from the database for this scrape',
      labelNames: ['collector'],
      samples: collected.map(({ collector, seconds }) => ({ labels: { collector }, value: seconds })),
    });
    return Registry.merge([this.processMetrics, scrape]).metrics();
  }
}
