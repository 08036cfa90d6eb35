import type { Texts } from '../texts/en.js';

/** A moment as people read it, in UTC and saying so: "March 1, 2026 at 2:05 PM UTC". */
export function dateTime(texts: Texts, date: Date): string {
  // spelled out: Intl refuses timeZoneName together with dateStyle/timeStyle
  return new Intl.DateTimeFormat(texts.locale, { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' }).format(date);
}
