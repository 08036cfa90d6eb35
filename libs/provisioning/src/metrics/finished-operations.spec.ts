import { FinishedOperations, type FinishedOperationsRow } from './finished-operations.js';

const row = (overrides: Partial<FinishedOperationsRow>): FinishedOperationsRow => ({
  kind: 'backup',
  outcome: 'succeeded',
  settled: true,
  bucket: 0,
  operations: 1,
  seconds: 0.5,
  ...overrides,
});

const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 12, minute));

describe('FinishedOperations (totals that only grow, read incrementally)', () => {
  it('reads everything on the first scrape, then only what finished after the settle line', () => {
    const tally = new FinishedOperations([1, 10]);
    expect(tally.settledUntil).toBeNull();
    tally.record([row({ operations: 3 })], at(0));
    expect(tally.settledUntil).toEqual(at(0));
    tally.record([], at(1));
    expect(tally.settledUntil).toEqual(at(1));
  });

  it('keeps settled operations for good and counts fresh ones only in the scrape that saw them', () => {
    const tally = new FinishedOperations([1, 10]);
    const first = tally.record(
      [
        row({ operations: 3, seconds: 1.5, bucket: 0 }),
        row({ outcome: 'failed', operations: 1, seconds: 20, bucket: 2 }),
        // finished after the line: shown now, and read again next time
        row({ settled: false, operations: 2, seconds: 8, bucket: 1 }),
      ],
      at(0),
    );
    expect(first.finished.get('backup')).toEqual(new Map([['succeeded', 5], ['failed', 1]]));
    expect(first.durations.get('backup')).toEqual({ buckets: [3, 2, 1], sum: 29.5 });

    // next scrape: the two fresh ones have settled meanwhile, one new fresh provision
    const second = tally.record([row({ operations: 2, seconds: 8, bucket: 1 }), row({ kind: 'provision', settled: false, seconds: 70, bucket: 2 })], at(1));
    expect(second.finished.get('backup')).toEqual(new Map([['succeeded', 5], ['failed', 1]]));
    expect(second.finished.get('provision')).toEqual(new Map([['succeeded', 1]]));
    expect(second.durations.get('backup')).toEqual({ buckets: [3, 2, 1], sum: 29.5 });
    expect(second.durations.get('provision')).toEqual({ buckets: [0, 0, 1], sum: 70 });

    // the provision was only fresh: a scrape that no longer sees it (it cannot happen, but) does not keep it
    const third = tally.record([], at(2));
    expect(third.finished.get('provision')).toBeUndefined();
    expect(third.finished.get('backup')).toEqual(new Map([['succeeded', 5], ['failed', 1]]));
  });

  it('counts operations that never started in the totals but not in the durations', () => {
    const tally = new FinishedOperations([1, 10]);
    const result = tally.record([row({ outcome: 'canceled', bucket: null, seconds: 0, operations: 4 })], at(0));
    expect(result.finished.get('backup')).toEqual(new Map([['canceled', 4]]));
    expect(result.durations.get('backup')).toBeUndefined();
  });

  it('never moves the settle line back (a clock that jumped back)', () => {
    const tally = new FinishedOperations([1, 10]);
    tally.record([], at(10));
    tally.record([], at(5));
    expect(tally.settledUntil).toEqual(at(10));
  });
});
