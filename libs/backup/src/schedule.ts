import { createHash } from 'node:crypto';
import { inputProblem, inputProblems, ValidationFailedError } from '#platform/errors';

/**
 * When a site's backups run: every tenant once a day at its own minute inside a night
 * window (spread by a stable hash of its id, so a host's tenants do not all start at once
 * and a tenant keeps its time across restarts), and a weekly repository check.
 */
export interface BackupSchedule {
  /** Local time "HH:MM" the window opens. */
  windowStart: string;
  /** Local time "HH:MM" it closes; may be past midnight (e.g. 23:00 to 04:00). */
  windowEnd: string;
  /** IANA time zone of the window, e.g. "Europe/Berlin" (default UTC). */
  timeZone: string;
  /** Weekday of the weekly check (0 = Sunday ... 6 = Saturday); absent: spread over the week by tenant. */
  checkWeekday?: number;
}

export const DEFAULT_SCHEDULE: Readonly<BackupSchedule> = Object.freeze({ windowStart: '01:00', windowEnd: '05:00', timeZone: 'UTC' });

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTES_PER_DAY = 24 * 60;

function minutesOf(hhmm: string): number {
  const match = HH_MM.exec(hhmm)!;
  return Number(match[1]) * 60 + Number(match[2]);
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Validates a schedule (fields named under `prefix`) and fills in defaults. */
export function parseSchedule(input: unknown, prefix = 'schedule'): BackupSchedule {
  const fields: Record<string, string> = {};
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw ValidationFailedError.field(prefix, inputProblem('must be an object with windowStart, windowEnd, timeZone'));
  const source = input as Record<string, unknown>;
  const schedule: BackupSchedule = { ...DEFAULT_SCHEDULE };
  for (const key of ['windowStart', 'windowEnd'] as const) {
    const value = source[key] ?? DEFAULT_SCHEDULE[key];
    if (typeof value !== 'string' || !HH_MM.test(value)) fields[`${prefix}.${key}`] = 'must be a time "HH:MM" (24 hours)';
    else schedule[key] = value;
  }
  if (!fields[`${prefix}.windowStart`] && !fields[`${prefix}.windowEnd`] && schedule.windowStart === schedule.windowEnd) {
    fields[`${prefix}.windowEnd`] = 'must differ from windowStart';
  }
  const timeZone = source.timeZone ?? DEFAULT_SCHEDULE.timeZone;
  if (typeof timeZone !== 'string' || !isTimeZone(timeZone)) fields[`${prefix}.timeZone`] = 'must be an IANA time zone such as Europe/Berlin or UTC';
  else schedule.timeZone = timeZone;
  if (source.checkWeekday !== undefined) {
    const day = source.checkWeekday;
    if (typeof day !== 'number' || !Number.isInteger(day) || day < 0 || day > 6) fields[`${prefix}.checkWeekday`] = 'must be 0 (Sunday) to 6 (Saturday)';
    else schedule.checkWeekday = day;
  }
  for (const key of Object.keys(source).filter((k) => !['windowStart', 'windowEnd', 'timeZone', 'checkWeekday'].includes(k))) {
    fields[`${prefix}.${key}`] = 'is not a known field';
  }
  if (Object.keys(fields).length) throw new ValidationFailedError(inputProblems(fields));
  return schedule;
}

/** A stable number in [0, modulo) for a key: the same tenant always lands on the same slot. */
export function spread(key: string, modulo: number): number {
  return createHash('sha256').update(key, 'utf8').digest().readUInt32BE(0) % modulo;
}

export function windowMinutes(schedule: BackupSchedule): number {
  const length = minutesOf(schedule.windowEnd) - minutesOf(schedule.windowStart);
  return length > 0 ? length : length + MINUTES_PER_DAY;
}

/** The tenant's local time of day for its daily backup, as minutes after midnight. */
export function dailyBackupMinute(tenantId: string, schedule: BackupSchedule): number {
  return (minutesOf(schedule.windowStart) + spread(`backup:${tenantId}`, windowMinutes(schedule))) % MINUTES_PER_DAY;
}

/** "HH:MM" of the tenant's daily backup, for people. */
export function dailyBackupTime(tenantId: string, schedule: BackupSchedule): string {
  const minute = dailyBackupMinute(tenantId, schedule);
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

export function checkWeekdayOf(tenantId: string, schedule: BackupSchedule): number {
  return schedule.checkWeekday ?? spread(`check:${tenantId}`, 7);
}

/** The next daily backup strictly after `after`. */
export function nextBackupAfter(tenantId: string, schedule: BackupSchedule, after: Date): Date {
  return nextSlot(schedule, dailyBackupMinute(tenantId, schedule), after, () => true);
}

/** The next weekly check strictly after `after`: the tenant's backup time on its check weekday (run it after that backup). */
export function nextCheckAfter(tenantId: string, schedule: BackupSchedule, after: Date): Date {
  const weekday = checkWeekdayOf(tenantId, schedule);
  return nextSlot(schedule, dailyBackupMinute(tenantId, schedule), after, (localDay) => localDay.getUTCDay() === weekday);
}

function nextSlot(schedule: BackupSchedule, minuteOfDay: number, after: Date, dayFits: (localDay: Date) => boolean): Date {
  const today = localParts(after, schedule.timeZone);
  // from yesterday (a slot late in the previous local day can still be ahead in UTC) to a week ahead
  for (let offset = -1; offset <= 8; offset++) {
    const localDay = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    if (!dayFits(localDay)) continue;
    const slot = zonedTimeToUtc(localDay.getUTCFullYear(), localDay.getUTCMonth() + 1, localDay.getUTCDate(), minuteOfDay, schedule.timeZone);
    if (slot.getTime() > after.getTime()) return slot;
  }
  throw new Error('no slot within 9 days (unreachable)');
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localParts(date: Date, timeZone: string): LocalParts {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(date).map((part) => [part.type, part.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second) };
}

/** How far the zone's wall clock is ahead of UTC at this instant. */
function offsetMs(instant: number, timeZone: string): number {
  const p = localParts(new Date(instant), timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a local wall-clock time happens in a zone. A time skipped by a DST change
 * moves forward by the change (02:30 becomes 03:30); a repeated one happens once.
 */
export function zonedTimeToUtc(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  const first = wall - offsetMs(wall, timeZone);
  const second = wall - offsetMs(first, timeZone);
  return new Date(second);
}
