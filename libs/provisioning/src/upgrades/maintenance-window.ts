import type { MaintenanceWindow } from '../entities/index.js';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const HOUR_MS = 3_600_000;

/** ISO weekday of a date in UTC: 1 = Monday ... 7 = Sunday. */
const isoWeekday = (date: Date) => ((date.getUTCDay() + 6) % 7) + 1;

/** Is `now` inside the weekly window (UTC)? A window may run past midnight into the next day. */
export function inWindow(window: MaintenanceWindow, now: Date): boolean {
  const start = latestStart(window, now);
  return now.getTime() < start.getTime() + window.hours * HOUR_MS;
}

/** When the window opens next (now, if it is open). */
export function nextWindowStart(window: MaintenanceWindow, now: Date): Date {
  if (inWindow(window, now)) return now;
  return new Date(latestStart(window, now).getTime() + 7 * 24 * HOUR_MS);
}

/** "Tuesday 02:00-05:00 UTC" */
export function describeWindow(window: MaintenanceWindow): string {
  const end = (window.hour + window.hours) % 24;
  return `${WEEKDAYS[window.weekday - 1]} ${pad(window.hour)}:00-${pad(end)}:00 UTC`;
}

/** The window's start in the week up to `now` (at or before it). */
function latestStart(window: MaintenanceWindow, now: Date): Date {
  const daysBack = (isoWeekday(now) - window.weekday + 7) % 7;
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysBack, window.hour));
  return start.getTime() > now.getTime() ? new Date(start.getTime() - 7 * 24 * HOUR_MS) : start;
}

const pad = (hour: number) => String(hour).padStart(2, '0');
