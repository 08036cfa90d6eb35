/** Label name -> value; values come from our own enums and names (states, kinds, slugs), never from requests. */
export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels?: Labels;
  readonly value: number;
}

/** A gauge (what is now) or a counter (a total that only grows), read from the database at scrape time. */
export interface ValueFamily {
  readonly type: 'gauge' | 'counter';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly samples: readonly Sample[];
}

/** One label combination of a histogram whose buckets were counted elsewhere (by SQL). */
export interface HistogramSeries {
  readonly labels?: Labels;
  /** Cumulative, one per bound: how many observations were <= that bound. */
  readonly buckets: readonly number[];
  readonly count: number;
  readonly sum: number;
}

export interface HistogramFamily {
  readonly type: 'histogram';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Upper bounds of the buckets, ascending (+Inf is implied). */
  readonly bounds: readonly number[];
  readonly series: readonly HistogramSeries[];
}

export type MetricFamily = ValueFamily | HistogramFamily;

/**
 * One bounded context's numbers for GET /metrics, computed when Prometheus scrapes: a few
 * aggregate queries, never a query per row. The entry point that serves /metrics lists them.
 */
export abstract class MetricsCollector {
  /** Names the collector in allmende_metrics_collect_seconds. */
  abstract readonly name: string;
  abstract collect(): Promise<readonly MetricFamily[]>;
}

/**
 * Samples for every combination of the given label values (0 where `rows` has none), plus the
 * rows whose values lie outside them: a series does not vanish when its count drops to zero.
 * Rows with the same labels are added up.
 */
export function filledSamples(domains: Readonly<Record<string, readonly string[]>>, rows: readonly Sample[]): Sample[] {
  const names = Object.keys(domains);
  const key = (labels: Labels = {}) => JSON.stringify(names.map((name) => labels[name] ?? ''));
  let combinations: Record<string, string>[] = [{}];
  for (const name of names) combinations = combinations.flatMap((partial) => domains[name].map((value) => ({ ...partial, [name]: value })));
  const samples = new Map<string, { labels: Labels; value: number }>(combinations.map((labels) => [key(labels), { labels, value: 0 }]));
  for (const row of rows) {
    const existing = samples.get(key(row.labels));
    if (existing) existing.value += row.value;
    else samples.set(key(row.labels), { labels: row.labels ?? {}, value: row.value });
  }
  return [...samples.values()];
}
