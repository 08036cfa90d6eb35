import { windowOf } from './rate-limits.js';

describe('rate limit windows', () => {
  it('puts a moment into its fixed window and says how long until it ends', () => {
    expect(windowOf(new Date('2026-11-29T12:00:59.200Z'), 60)).toEqual({ start: new Date('2026-11-29T12:00:00Z'), retryAfterSeconds: 1 });
    expect(windowOf(new Date('2026-11-29T12:07:00Z'), 900)).toEqual({ start: new Date('2026-11-29T12:00:00Z'), retryAfterSeconds: 480 });
  });
});
