import { DEFAULT_SCHEDULE, checkWeekdayOf, nextBackupAfter } from '#backup';
import { afterCheck, afterDrill, afterFailure, afterSuccess, drillWeekdayOf, dueAt, initialSchedule, isBackupDue, nextDrillAfter, retryDelayMs, type SiteSchedule } from './backup-policy.js';

const TENANT = '3f1c2a9e-8b7d-4c6e-9f00-123456789abc';
const schedule = { ...DEFAULT_SCHEDULE, timeZone: 'Europe/Berlin' };
const now = new Date('2026-03-10T12:00:00Z');
const MINUTE = 60_000;

function state(changes: Partial<SiteSchedule> = {}): SiteSchedule {
  return { nextBackupAt: new Date('2026-03-11T01:30:00Z'), retryAt: null, consecutiveFailures: 0, alertedAt: null, nextCheckAt: new Date('2026-03-15T01:30:00Z'), nextDrillAt: null, ...changes };
}

describe('backup policy', () => {
  it('starts a new tenant at its own nightly minute inside the window, its check and drill on different weekdays', () => {
    const first = initialSchedule(TENANT, schedule, now, true);
    expect(first.nextBackupAt).toEqual(nextBackupAfter(TENANT, schedule, now));
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(first.nextBackupAt);
    expect(local >= '01:00' && local < '05:00').toBe(true);
    expect(first.nextDrillAt!.getTime()).toBeGreaterThan(now.getTime());
    expect(drillWeekdayOf(TENANT, schedule)).not.toBe(checkWeekdayOf(TENANT, schedule));
    expect(initialSchedule(TENANT, schedule, now, false).nextDrillAt).toBeNull();
  });

  it('backs off retries: 5 min, 15, 45, 2 h 15, then at most 6 h', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n) / MINUTE)).toEqual([5, 15, 45, 135, 360, 360]);
  });

  it('retries a failed backup after the backoff, tells operators once the failures in a row reach the threshold, and only once', () => {
    let current = state({ nextBackupAt: new Date(now.getTime() - MINUTE) });
    const alerts: boolean[] = [];
    let clock = now;
    for (let i = 0; i < 4; i++) {
      const decision = afterFailure(current, clock, { alertAfter: 3, transient: true });
      alerts.push(decision.alert);
      current = { ...current, ...decision.changes };
      expect(isBackupDue(current, clock)).toBe(false);
      clock = dueAt(current);
      expect(isBackupDue(current, clock)).toBe(true);
    }
    expect(alerts).toEqual([false, false, true, false]);
    expect(current.consecutiveFailures).toBe(4);
  });

  it('tells operators at once when no retry can fix it (wrong password, corrupt repository, empty dump)', () => {
    expect(afterFailure(state(), now, { alertAfter: 3, transient: false }).alert).toBe(true);
  });

  it('never retries later than the next nightly slot', () => {
    const soon = new Date(now.getTime() + 10 * MINUTE);
    const decision = afterFailure(state({ consecutiveFailures: 5, nextBackupAt: soon }), now, { alertAfter: 3, transient: true });
    expect(decision.changes.retryAt).toEqual(soon);
  });

  it('a success clears failures and alerts; a manual backup between two nights keeps the nightly slot', () => {
    const failing = state({ consecutiveFailures: 4, retryAt: now, alertedAt: now, nextBackupAt: new Date(now.getTime() - 3600_000) });
    const done = afterSuccess(TENANT, schedule, now, true, failing);
    expect(done).toMatchObject({ consecutiveFailures: 0, retryAt: null, alertedAt: null });
    expect(done.nextBackupAt!.getTime()).toBeGreaterThan(now.getTime());
    const planned = state();
    expect(afterSuccess(TENANT, schedule, now, false, planned).nextBackupAt).toBe(planned.nextBackupAt);
  });

  it('checks weekly, and a failed check is tried again the next day', () => {
    expect(afterCheck(TENANT, schedule, now, false).nextCheckAt).toEqual(new Date(now.getTime() + 86_400_000));
    const next = afterCheck(TENANT, schedule, now, true).nextCheckAt;
    expect(next.getTime() - now.getTime()).toBeLessThanOrEqual(7 * 86_400_000 + 3600_000);
    expect(next.getTime()).toBeGreaterThan(now.getTime());
  });

  it('drills weekly, strictly later, an hour after the nightly backup of the drill day', () => {
    let after = now;
    for (let i = 0; i < 3; i++) {
      const drill = nextDrillAfter(TENANT, schedule, after);
      expect(drill.getTime()).toBeGreaterThan(after.getTime());
      const backup = new Date(drill.getTime() - 3600_000);
      expect(nextBackupAfter(TENANT, schedule, new Date(backup.getTime() - 1))).toEqual(backup);
      after = drill;
    }
    expect(afterDrill(TENANT, schedule, now, false).nextDrillAt).toEqual(new Date(now.getTime() + 86_400_000));
  });
});
