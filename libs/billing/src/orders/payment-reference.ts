/**
 * The short reference a club writes on its bank transfer, and the operator matches payments by:
 * AM-<year the order was placed>-<that year's sequence number, at least four digits>.
 */
const PREFIX = 'AM';
const REFERENCE = /^AM-(\d{4})-(\d{4,})$/;

export function paymentReference(year: number, sequence: number): string {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`not a year: ${year}`);
  if (!Number.isInteger(sequence) || sequence < 1) throw new RangeError(`not a sequence number: ${sequence}`);
  return `${PREFIX}-${year}-${String(sequence).padStart(4, '0')}`;
}

/**
 * A reference as people type it from a bank statement ("am 2026 42", "AM-2026-0042 ") in its
 * stored form, or null when it is none.
 */
export function parsePaymentReference(text: string): string | null {
  const match = /^\s*am[\s_-]*(\d{4})[\s_-]*(\d{1,12})\s*$/i.exec(text);
  if (!match) return null;
  const sequence = Number(match[2]);
  return sequence >= 1 ? paymentReference(Number(match[1]), sequence) : null;
}

export function isPaymentReference(text: string): boolean {
  return REFERENCE.test(text);
}
