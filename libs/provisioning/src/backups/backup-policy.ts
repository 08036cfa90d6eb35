import { checkWeekdayOf, dailyBackupMinute, nextBackupAfter, nextCheckAfter, type BackupSchedule } from '#backup';

// When a tenant's backups run, how failures back off and when operators are told: pure
// decisions over a site state, applied by the scheduler and the backup handler.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The fields of a tenant's state on one site that the decisions read and write. */
export interface SiteSchedule {
  nextBackupAt: Date;
  retryAt: Date | null;
  consecutiveFailures: number;
  alertedAt: Date | null;
  nextCheckAt: Date;
  nextDrillAt: Date | null;
}

/** First retry after 5 minutes, then 15, 45, 2 h 15, capped at 6 hours. */
export function retryDelayMs(consecutiveFailures: number): number {
  return Math.min(6 * HOUR, 5 * MINUTE * 3 ** Math.max(0, consecutiveFailures - 1));
}

/** A new tenant (or a new site): its first backup at its next nightly slot, its check and drill on its weekly days. */
export function initialSchedule(tenantId: string, schedule: BackupSchedule, now: Date, drills: boolean): Pick<SiteSchedule, 'nextBackupAt' | 'nextCheckAt' | 'nextDrillAt'> {
  return { nextBackupAt: nextBackupAfter(tenantId, schedule, now), nextCheckAt: nextCheckAfter(tenantId, schedule, now), nextDrillAt: drills ? nextDrillAfter(tenantId, schedule, now) : null };
}

/** When a backup of this tenant on this site is due: a retry after a failure, else the nightly slot. */
export function dueAt(state: Pick<SiteSchedule, 'nextBackupAt' | 'retryAt'>): Date {
  return state.retryAt ?? state.nextBackupAt;
}

export function isBackupDue(state: Pick<SiteSchedule, 'nextBackupAt' | 'retryAt'>, now: Date): boolean {
  return dueAt(state).getTime() <= now.getTime();
}

/** After a successful backup: failures forgotten, the next nightly slot. */
export function afterSuccess(tenantId: string, schedule: BackupSchedule, now: Date, scheduled: boolean, state: Pick<SiteSchedule, 'nextBackupAt'>): Partial<SiteSchedule> {
  return {
    consecutiveFailures: 0,
    retryAt: null,
    alertedAt: null,
    // a manual backup between two nights does not move the nightly one
    nextBackupAt: scheduled || state.nextBackupAt.getTime() <= now.getTime() ? nextBackupAfter(tenantId, schedule, now) : state.nextBackupAt,
  };
}

export interface FailureDecision {
  changes: Partial<SiteSchedule>;
  /** Tell operators now: the failures in a row reached the threshold (once per run of failures), or the failure is one no retry fixes. */
  alert: boolean;
}

/**
 * After a failed backup: retry with backoff (never later than the next nightly slot), and
 * tell operators once the failures in a row reach `alertAfter`, or at once when retrying
 * cannot help (wrong password, corrupt repository, empty dump).
 */
export function afterFailure(state: SiteSchedule, now: Date, options: { alertAfter: number; transient: boolean }): FailureDecision {
  const failures = state.consecutiveFailures + 1;
  const retry = new Date(now.getTime() + retryDelayMs(failures));
  const nightly = state.nextBackupAt.getTime() > now.getTime() ? state.nextBackupAt : null;
  const retryAt = nightly && nightly < retry ? nightly : retry;
  const alert = state.alertedAt === null && (failures >= options.alertAfter || !options.transient);
  return { changes: { consecutiveFailures: failures, retryAt, ...(alert ? { alertedAt: now } : {}) }, alert };
}

/** The weekly repository check: due once its time has passed; after a failure it is tried again the next day. */
export function isCheckDue(state: Pick<SiteSchedule, 'nextCheckAt'>, now: Date): boolean {
  return state.nextCheckAt.getTime() <= now.getTime();
}

export function afterCheck(tenantId: string, schedule: BackupSchedule, now: Date, ok: boolean): Pick<SiteSchedule, 'nextCheckAt'> {
  return { nextCheckAt: ok ? nextCheckAfter(tenantId, schedule, now) : new Date(now.getTime() + 24 * HOUR) };
}

/** The weekday of a tenant's drill: three days after its check day, so the two never meet. */
export function drillWeekdayOf(tenantId: string, schedule: BackupSchedule): number {
  return (checkWeekdayOf(tenantId, schedule) + 3) % 7;
}

/** Weekly restore drill: an hour after the tenant's nightly backup on its drill weekday (the backup is done by then). */
export function nextDrillAfter(tenantId: string, schedule: BackupSchedule, after: Date): Date {
  const drillSchedule = { ...schedule, checkWeekday: drillWeekdayOf(tenantId, schedule) };
  // the slot strictly after (after - 1 h), plus an hour: strictly after `after`
  return new Date(nextCheckAfter(tenantId, drillSchedule, new Date(after.getTime() - HOUR)).getTime() + HOUR);
}

/** After a drill: next week's, or tomorrow's when this one could not run (no backup yet). */
export function afterDrill(tenantId: string, schedule: BackupSchedule, now: Date, ran: boolean): Pick<SiteSchedule, 'nextDrillAt'> {
  return { nextDrillAt: ran ? nextDrillAfter(tenantId, schedule, now) : new Date(now.getTime() + 24 * HOUR) };
}

/** "HH:MM time zone" of the nightly backup, for people. */
export function nightlyTime(tenantId: string, schedule: BackupSchedule): string {
  const minute = dailyBackupMinute(tenantId, schedule);
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')} ${schedule.timeZone}`;
}
