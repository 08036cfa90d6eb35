/** One line of the Prometheus text format: a metric name, its labels and its value. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PrometheusText {
  samples: PrometheusSample[];
  /** Metric family -> its # TYPE. */
  types: Map<string, string>;
  /** Metric family -> its # HELP. */
  help: Map<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

function number(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a sample value: ${text}`);
  return value;
}

function labels(text: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!text) return result;
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`bad labels: {${text}}`);
    result[match[1]] = match[2].replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return result;
}

/** Parses the text format version 0.0.4 (what prom-client writes); throws on a line it cannot read. */
export function parsePrometheusText(text: string): PrometheusText {
  const result: PrometheusText = { samples: [], types: new Map(), help: new Map() };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const comment = /^#\s+(HELP|TYPE)\s+(\S+)\s+(.*)$/.exec(line);
    if (comment) {
      (comment[1] === 'TYPE' ? result.types : result.help).set(comment[2], comment[3]);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    result.samples.push({ name: match[1], labels: labels(match[2]), value: number(match[3]) });
  }
  return result;
}

/** The value of the sample with exactly these labels (undefined when there is none; throws when there are several). */
export function sampleValue(text: PrometheusText, name: string, labelValues: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labelValues);
  const found = text.samples.filter(
    (sample) => sample.name === name && Object.keys(sample.labels).length === wanted.length && wanted.every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} with ${JSON.stringify(labelValues)}`);
  return found[0]?.value;
}

/** Every sample of one metric. */
export function samplesOf(text: PrometheusText, name: string): PrometheusSample[] {
  return text.samples.filter((sample) => sample.name === name);
}
