import { ValidationFailedError } from '../errors/domain-error.js';
import { problem } from '../errors/problem.js';

/**
 * Keyset ("cursor") pagination for every list people page through: a page is the rows after
 * the last one seen, in a fixed order with a unique tie-breaker (e.g. created_at, id), so a
 * page costs the same on the 10,000th row as on the first, and rows added meanwhile are never
 * shown twice nor skipped. The cursor is opaque to clients: base64url of the last row's sort key.
 */

/** What one part of a sort key is; a cursor whose parts do not fit is refused (400 naming the field). */
export type CursorPart = 'timestamp' | 'uuid' | 'text' | 'integer';

export type CursorValues<P extends readonly CursorPart[]> = { -readonly [I in keyof P]: P[I] extends 'integer' ? number : string };

export const PAGE_SIZE = { default: 50, max: 200 } as const;

export interface PageRequest<V> {
  /** The sort key of the last row of the previous page; null for the first page. */
  after: V | null;
  limit: number;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** What pagination says is wrong with a field; the words are the storefront's texts. */
export type PageProblemCode = 'page.cursor' | 'page.limit';

/**
 * A timestamptz as a cursor carries it: UTC with microseconds, as Postgres keeps it (a JS Date
 * has milliseconds only; rows made within one millisecond would be skipped or repeated).
 * Select `${cursorTimeSql('t.created_at')} as cursor_at` next to the row.
 */
export function cursorTimeSql(column: string): string {
  return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A cursor is small; anything longer is not one of ours. */
const MAX_CURSOR_LENGTH = 1024;

export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** The sort key a cursor carries, checked against the parts it must have; `field` names it in the 400. */
export function decodeCursor<const P extends readonly CursorPart[]>(cursor: string, parts: P, field = 'cursor'): CursorValues<P> {
  const refuse = () => ValidationFailedError.field(field, problem<PageProblemCode>('page.cursor'));
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw refuse();
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(values) || values.length !== parts.length) throw refuse();
  parts.forEach((part, index) => {
    if (!fits(part, values[index])) throw refuse();
  });
  return values as CursorValues<P>;
}

function fits(part: CursorPart, value: unknown): boolean {
  switch (part) {
    case 'timestamp':
      return typeof value === 'string' && TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value));
    case 'uuid':
      return typeof value === 'string' && UUID.test(value);
    case 'text':
      return typeof value === 'string' && value.length <= 500;
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
  }
}

/** How many rows a page has: default 50, at most 200; anything else is a 400 naming `limit`. */
export function pageLimit(limit: unknown, sizes: { default: number; max: number } = PAGE_SIZE, field = 'limit'): number {
  if (limit === undefined || limit === null || limit === '') return sizes.default;
  const text = typeof limit === 'number' ? String(limit) : limit;
  if (typeof text !== 'string' || !/^\d{1,6}$/.test(text)) throw ValidationFailedError.field(field, problem<PageProblemCode>('page.limit', { max: sizes.max }));
  const value = Number(text);
  if (value < 1 || value > sizes.max) throw ValidationFailedError.field(field, problem<PageProblemCode>('page.limit', { max: sizes.max }));
  return value;
}

/**
 * A page request from query parameters (`?cursor=&limit=`): the cursor decoded against the
 * list's sort key, the limit checked. A repeated parameter (an array) is refused as well.
 */
export function pageRequest<const P extends readonly CursorPart[]>(
  query: { cursor?: unknown; limit?: unknown },
  parts: P,
  options: { sizes?: { default: number; max: number }; cursorField?: string; limitField?: string } = {},
): PageRequest<CursorValues<P>> {
  const cursorField = options.cursorField ?? 'cursor';
  const limit = pageLimit(query.limit, options.sizes, options.limitField);
  if (query.cursor === undefined || query.cursor === '') return { after: null, limit };
  if (typeof query.cursor !== 'string') throw ValidationFailedError.field(cursorField, problem<PageProblemCode>('page.cursor'));
  return { after: decodeCursor(query.cursor, parts, cursorField), limit };
}

/**
 * The page from rows fetched with `limit + 1`: the extra row only says there is a next page,
 * whose cursor is the key of the last row shown.
 */
export function pageOf<T>(rows: readonly T[], limit: number, keyOf: (row: T) => readonly (string | number)[]): Page<T> {
  if (rows.length <= limit) return { items: [...rows], nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(keyOf(items[items.length - 1])) };
}

/** The same page with each row mapped (entities to responses). */
export function mapPage<T, U>(page: Page<T>, map: (item: T) => U): Page<U> {
  return { items: page.items.map(map), nextCursor: page.nextCursor };
}
