import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the first pause and stops growing at the cap', () => {
    const backoff = { initialMs: 250, maxMs: 5000 };
    expect([0, 1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, backoff))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
  });

  it('takes another factor, and is safe for absurd attempt numbers', () => {
    expect(backoffDelay(2, { initialMs: 1000, maxMs: 60_000, factor: 3 })).toBe(9000);
    expect(backoffDelay(10_000, { initialMs: 1000, maxMs: 60_000 })).toBe(60_000);
    expect(backoffDelay(-3, { initialMs: 1000, maxMs: 60_000 })).toBe(1000);
  });
});
