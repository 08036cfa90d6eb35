import { automaticRetryDue, MAX_AUTOMATIC_RETRIES } from './auto-retry.js';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, seconds));
const minute = 60_000;

describe('automaticRetryDue', () => {
  it('retries after the first transient failure once an interval has passed', () => {
    expect(automaticRetryDue([at(0)], at(30), minute)).toBe(false);
    expect(automaticRetryDue([at(0)], at(60), minute)).toBe(true);
  });

  it('waits longer after each failure, and stops after the last automatic retry', () => {
    expect(automaticRetryDue([at(0), at(100)], at(200), minute)).toBe(false);
    expect(automaticRetryDue([at(0), at(100)], at(220), minute)).toBe(true);
    const failures = Array.from({ length: MAX_AUTOMATIC_RETRIES + 1 }, (_, i) => at(i));
    expect(automaticRetryDue(failures, new Date(Date.UTC(2027, 0, 1)), minute)).toBe(false);
  });

  it('never retries without a transient failure', () => {
    expect(automaticRetryDue([], at(1000), minute)).toBe(false);
  });
});
