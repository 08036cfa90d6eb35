/**
 * Upper bounds (seconds) of the operation duration histogram: a suspend takes seconds, a
 * provisioning a minute or two (image checks, health), a backup or upgrade of a big club up to an hour.
 */
export const OPERATION_DURATION_BOUNDS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200] as const;

/** One group of finished operations as the database counted them. */
export interface FinishedOperationsRow {
  kind: string;
  outcome: string;
  /** Finished at or before the settle line: added to the running totals for good. */
  settled: boolean;
  /** Index of the first bound the duration is <= to (bounds.length: above every bound); null: it never started. */
  bucket: number | null;
  operations: number;
  /** Their durations added up. */
  seconds: number;
}

export interface DurationTally {
  /** Per bucket, not cumulative; one more than the bounds (the last is above every bound). */
  readonly buckets: number[];
  sum: number;
}

/** Finished operations by kind and outcome, and their durations by kind. */
export interface OperationTally {
  readonly finished: Map<string, Map<string, number>>;
  readonly durations: Map<string, DurationTally>;
}

const emptyTally = (): OperationTally => ({ finished: new Map(), durations: new Map() });

function add(tally: OperationTally, row: Pick<FinishedOperationsRow, 'kind' | 'outcome' | 'bucket' | 'operations' | 'seconds'>, bounds: readonly number[]): void {
  const outcomes = tally.finished.get(row.kind) ?? new Map<string, number>();
  outcomes.set(row.outcome, (outcomes.get(row.outcome) ?? 0) + row.operations);
  tally.finished.set(row.kind, outcomes);
  if (row.bucket === null) return;
  const durations = tally.durations.get(row.kind) ?? { buckets: new Array<number>(bounds.length + 1).fill(0), sum: 0 };
  durations.buckets[Math.min(row.bucket, bounds.length)] += row.operations;
  durations.sum += row.seconds;
  tally.durations.set(row.kind, durations);
}

function merged(...tallies: OperationTally[]): OperationTally {
  const result = emptyTally();
  for (const tally of tallies) {
    for (const [kind, outcomes] of tally.finished) {
      const into = result.finished.get(kind) ?? new Map<string, number>();
      for (const [outcome, count] of outcomes) into.set(outcome, (into.get(outcome) ?? 0) + count);
      result.finished.set(kind, into);
    }
    for (const [kind, durations] of tally.durations) {
      const into = result.durations.get(kind) ?? { buckets: durations.buckets.map(() => 0), sum: 0 };
      durations.buckets.forEach((count, i) => (into.buckets[i] += count));
      into.sum += durations.sum;
      result.durations.set(kind, into);
    }
  }
  return result;
}

/**
 * Totals of finished operations that only grow, without reading the whole operation table at
 * every scrape. Operations that finished before a settle line (some minutes back, so that a
 * transaction committing late is still seen) are added up once and kept; the newer ones are
 * counted again at each scrape. Each scrape asks only for what finished after the last line.
 */
export class FinishedOperations {
  private settled = emptyTally();
  private line: Date | null = null;

  constructor(private readonly bounds: readonly number[] = OPERATION_DURATION_BOUNDS) {}

  /** The next query reads the operations that finished after this; null: all of them (the first scrape). */
  get settledUntil(): Date | null {
    return this.line;
  }

  /**
   * Takes the rows of one scrape (everything finished after `settledUntil`, each marked settled
   * when it finished at or before `nextLine`) and returns the totals: the settled ones for good,
   * plus the fresh ones this time.
   */
  record(rows: readonly FinishedOperationsRow[], nextLine: Date): OperationTally {
    const settling = emptyTally();
    const fresh = emptyTally();
    for (const row of rows) add(row.settled ? settling : fresh, row, this.bounds);
    this.settled = merged(this.settled, settling);
    if (!this.line || nextLine > this.line) this.line = nextLine;
    return merged(this.settled, fresh);
  }
}
