import { backoffDelay } from '#platform';

/** A process that stayed up this long was not crash-looping: its count starts over. */
export const STABLE_AFTER_MS = 30_000;

/** Pauses before starting a crashed process again: 1 s, 2 s, 4 s ... up to a minute. */
const RESTART_BACKOFF = { initialMs: 1000, maxMs: 60_000 };

/** From this many crashes in a row on, the launcher reports the process as crash-looping. */
export const CRASH_LOOP_AFTER = 3;

export interface ExitVerdict {
  /** Crashes in a row, this one included (0 after a process that had been up long enough). */
  crashesInARow: number;
  delayMs: number;
  crashLooping: boolean;
}

/**
 * What the launcher does after a process it runs exited on its own: start it again after a
 * pause that grows while it keeps crashing. It never gives up and never stops the others: an
 * API stays up while the worker crash-loops (a database outage, a bad release), and the worker
 * comes back by itself once the cause is gone. Pure.
 */
export function afterExit(crashesBefore: number, upForMs: number): ExitVerdict {
  const crashesInARow = upForMs >= STABLE_AFTER_MS ? 1 : crashesBefore + 1;
  return { crashesInARow, delayMs: backoffDelay(crashesInARow - 1, RESTART_BACKOFF), crashLooping: crashesInARow >= CRASH_LOOP_AFTER };
}
