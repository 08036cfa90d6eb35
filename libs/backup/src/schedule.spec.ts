import { ValidationFailedError } from '#platform/errors';
import { checkWeekdayOf, dailyBackupMinute, dailyBackupTime, nextBackupAfter, nextCheckAfter, parseSchedule, windowMinutes, zonedTimeToUtc, type BackupSchedule } from './schedule.js';

const utcNight: BackupSchedule = { windowStart: '01:00', windowEnd: '05:00', timeZone: 'UTC' };
const berlin: BackupSchedule = { windowStart: '23:00', windowEnd: '04:00', timeZone: 'Europe/Berlin', checkWeekday: 0 };
const tenants = Array.from({ length: 500 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('daily backup time', () => {
  it('is stable for a tenant and inside the window', () => {
    for (const tenant of tenants) {
      const minute = dailyBackupMinute(tenant, utcNight);
      expect(minute).toBe(dailyBackupMinute(tenant, utcNight));
      expect(minute).toBeGreaterThanOrEqual(60);
      expect(minute).toBeLessThan(300);
    }
  });

  it('spreads tenants over the window', () => {
    const hours = new Map<number, number>();
    for (const tenant of tenants) {
      const hour = Math.floor(dailyBackupMinute(tenant, utcNight) / 60);
      hours.set(hour, (hours.get(hour) ?? 0) + 1);
    }
    expect([...hours.keys()].sort()).toEqual([1, 2, 3, 4]);
    for (const count of hours.values()) expect(count).toBeGreaterThan(80); // 125 each on average
  });

  it('handles a window across midnight', () => {
    expect(windowMinutes(berlin)).toBe(300);
    for (const tenant of tenants.slice(0, 100)) {
      const minute = dailyBackupMinute(tenant, berlin);
      expect(minute >= 23 * 60 || minute < 4 * 60).toBe(true);
    }
    expect(dailyBackupTime(tenants[0], berlin)).toMatch(/^(23|0[0-3]):[0-5]\d$/);
  });
});

describe('nextBackupAfter', () => {
  it('is the same time each day, strictly after the given instant', () => {
    const tenant = tenants[7];
    const first = nextBackupAfter(tenant, utcNight, new Date('2026-03-10T12:00:00Z'));
    expect(first.toISOString().slice(0, 10)).toBe('2026-03-11');
    const minute = dailyBackupMinute(tenant, utcNight);
    expect(first.getUTCHours() * 60 + first.getUTCMinutes()).toBe(minute);
    const second = nextBackupAfter(tenant, utcNight, first);
    expect(second.getTime() - first.getTime()).toBe(24 * 3600 * 1000);
    // a moment before the slot: the same day
    expect(nextBackupAfter(tenant, utcNight, new Date(first.getTime() - 1000)).getTime()).toBe(first.getTime());
  });

  it('follows the local clock across a daylight saving change', () => {
    const tenant = tenants[3];
    const minute = dailyBackupMinute(tenant, berlin);
    // Europe/Berlin moves from +01:00 to +02:00 on 2026-03-29
    let at = new Date('2026-03-26T12:00:00Z');
    const locals: string[] = [];
    for (let i = 0; i < 5; i++) {
      at = nextBackupAfter(tenant, berlin, at);
      locals.push(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at));
    }
    const expected = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
    expect(locals).toEqual(Array(5).fill(expected));
  });

  it('moves a wall time that a DST change skips forward by an hour', () => {
    // 02:30 does not exist in Berlin on 2026-03-29
    expect(zonedTimeToUtc(2026, 3, 29, 150, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(zonedTimeToUtc(2026, 1, 15, 150, 'Europe/Berlin').toISOString()).toBe('2026-01-15T01:30:00.000Z');
    expect(zonedTimeToUtc(2026, 7, 15, 150, 'Europe/Berlin').toISOString()).toBe('2026-07-15T00:30:00.000Z');
  });
});

describe('weekly check', () => {
  it('runs on the configured weekday at the backup time', () => {
    const tenant = tenants[11];
    const check = nextCheckAfter(tenant, berlin, new Date('2026-05-06T12:00:00Z')); // a Wednesday
    const weekday = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', weekday: 'short' }).format(check);
    // the window starts at 23:00 on the local day the slot falls on
    expect(weekday).toBe('Sun');
    expect(check.getTime()).toBeGreaterThan(new Date('2026-05-06T12:00:00Z').getTime());
    expect(check.getTime() - new Date('2026-05-06T12:00:00Z').getTime()).toBeLessThanOrEqual(7 * 24 * 3600 * 1000);
  });

  it('spreads tenants over the week when no day is configured', () => {
    const days = new Set(tenants.map((tenant) => checkWeekdayOf(tenant, utcNight)));
    expect(days.size).toBe(7);
  });
});

describe('parseSchedule', () => {
  it('fills defaults and refuses bad values, naming the fields', () => {
    expect(parseSchedule({})).toEqual({ windowStart: '01:00', windowEnd: '05:00', timeZone: 'UTC' });
    try {
      parseSchedule({ windowStart: '7:00', windowEnd: '07:00', timeZone: 'Nowhere/City', checkWeekday: 7 }, 'offsite.schedule');
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationFailedError);
      expect(Object.keys((error as ValidationFailedError).fields!).sort()).toEqual(['offsite.schedule.checkWeekday', 'offsite.schedule.timeZone', 'offsite.schedule.windowStart']);
    }
    expect(() => parseSchedule({ windowStart: '02:00', windowEnd: '02:00' })).toThrow(ValidationFailedError);
  });
});
