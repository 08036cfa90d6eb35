import { describeWindow, inWindow, nextWindowStart } from './maintenance-window.js';

describe('maintenance windows (UTC)', () => {
  const tuesdayNight = { weekday: 2, hour: 2, hours: 3 };
  // 2026-12-01 is a Tuesday
  const at = (iso: string) => new Date(iso);

  it('is open from its hour for its hours on its weekday', () => {
    expect(inWindow(tuesdayNight, at('2026-12-01T01:59:59Z'))).toBe(false);
    expect(inWindow(tuesdayNight, at('2026-12-01T02:00:00Z'))).toBe(true);
    expect(inWindow(tuesdayNight, at('2026-12-01T04:59:59Z'))).toBe(true);
    expect(inWindow(tuesdayNight, at('2026-12-01T05:00:00Z'))).toBe(false);
    expect(inWindow(tuesdayNight, at('2026-12-02T03:00:00Z'))).toBe(false);
  });

  it('may run past midnight into the next day', () => {
    const sundayLate = { weekday: 7, hour: 23, hours: 3 };
    expect(inWindow(sundayLate, at('2026-11-29T23:30:00Z'))).toBe(true); // Sunday
    expect(inWindow(sundayLate, at('2026-11-30T01:30:00Z'))).toBe(true); // Monday
    expect(inWindow(sundayLate, at('2026-11-30T02:00:00Z'))).toBe(false);
  });

  it('says when it opens next, and how it reads', () => {
    expect(nextWindowStart(tuesdayNight, at('2026-11-30T12:00:00Z')).toISOString()).toBe('2026-12-01T02:00:00.000Z');
    expect(nextWindowStart(tuesdayNight, at('2026-12-01T06:00:00Z')).toISOString()).toBe('2026-12-08T02:00:00.000Z');
    expect(nextWindowStart(tuesdayNight, at('2026-12-01T03:00:00Z')).toISOString()).toBe('2026-12-01T03:00:00.000Z');
    expect(describeWindow(tuesdayNight)).toBe('Tuesday 02:00-05:00 UTC');
    expect(describeWindow({ weekday: 7, hour: 23, hours: 3 })).toBe('Sunday 23:00-02:00 UTC');
  });
});
