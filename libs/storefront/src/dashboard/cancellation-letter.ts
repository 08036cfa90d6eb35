import type { CancellationLetterValues } from '#billing';
import type { Texts } from '../texts/en.js';
import { format } from '../web/html.js';

/** A date of the letter as its reader writes it: "March 1, 2027" / "1. März 2027" (UTC, as the service ends then). */
function day(texts: Texts, iso: string | undefined): string {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? new Intl.DateTimeFormat(texts.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date) : '-';
}

/** The "cancellation confirmed" letter: when the service ends, when the data is deleted, and where to export it first. */
export function writeCancellationLetter(v: Partial<CancellationLetterValues>, texts: Texts): { subject: string; text: string } {
  const t = texts.dashboard.cancellationLetter;
  const values = { club: v.club ?? '', plan: v.plan ?? '', reference: v.reference ?? '', date: day(texts, v.endsAt), deleteDate: day(texts, v.deleteAfter), link: v.link ?? '' };
  return { subject: format(t.subject, values), text: format(t.body, values) };
}
