import { ValidationFailedError } from '../errors/domain-error.js';
import { decodeCursor, encodeCursor, mapPage, pageLimit, pageOf, pageRequest } from './cursor.js';
import { nextPageUrl } from './page-headers.js';

const KEY = ['timestamp', 'uuid'] as const;
const AT = '2026-11-30T12:34:56.123456Z';
const ID = '0b5e4f1a-7d2c-4e8b-9a3f-1c2d3e4f5a6b';

function fieldsOf(run: () => unknown): Record<string, { code: string; params?: Record<string, unknown> }> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailedError);
    return (error as ValidationFailedError).fields as Record<string, { code: string }>;
  }
  throw new Error('expected a validation error');
}

describe('cursors', () => {
  it('round-trips a sort key through an opaque, URL-safe string', () => {
    const cursor = encodeCursor([AT, ID]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(ID);
    expect(decodeCursor(cursor, KEY)).toEqual([AT, ID]);
    expect(decodeCursor(encodeCursor(['gamma', 42]), ['text', 'integer'] as const)).toEqual(['gamma', 42]);
  });

  it('keeps microseconds: rows made within one millisecond still have an order', () => {
    const [at] = decodeCursor(encodeCursor(['2026-01-01T00:00:00.000001Z', ID]), KEY);
    expect(at).toBe('2026-01-01T00:00:00.000001Z');
  });

  it.each([
    ['not base64url', 'a+b/c=='],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['not an array', encodeCursor([]).replace(/.*/, Buffer.from('{"a":1}').toString('base64url'))],
    ['too few parts', encodeCursor([AT])],
    ['too many parts', encodeCursor([AT, ID, 'x'])],
    ['a time without microseconds', encodeCursor(['2026-11-30T12:34:56.123Z', ID])],
    ['an impossible time', encodeCursor(['2026-13-45T12:34:56.123456Z', ID])],
    ['an id that is no UUID', encodeCursor([AT, "1' or '1'='1"])],
    ['an upper-case UUID (ids are stored lower-case)', encodeCursor([AT, ID.toUpperCase()])],
    ['a number where text belongs', encodeCursor([1, ID])],
    ['an enormous string', 'A'.repeat(5000)],
    ['an empty string', ''],
  ])('refuses %s with a 400 naming the field', (_what, cursor) => {
    expect(fieldsOf(() => decodeCursor(cursor, KEY, 'operationsCursor'))).toEqual({ operationsCursor: { code: 'page.cursor' } });
  });

  it('refuses a non-integer where an integer belongs', () => {
    expect(fieldsOf(() => decodeCursor(encodeCursor([1.5]), ['integer'] as const))).toEqual({ cursor: { code: 'page.cursor' } });
  });
});

describe('page limits', () => {
  it('defaults to 50 and accepts 1 to 200', () => {
    expect(pageLimit(undefined)).toBe(50);
    expect(pageLimit('')).toBe(50);
    expect(pageLimit('1')).toBe(1);
    expect(pageLimit('200')).toBe(200);
    expect(pageLimit(20)).toBe(20);
  });

  it.each(['0', '201', '-1', '2.5', 'ten', '1e2', ' 5', '9999999'])('refuses %p with a 400 naming limit and the maximum', (limit) => {
    expect(fieldsOf(() => pageLimit(limit))).toEqual({ limit: { code: 'page.limit', params: { max: 200 } } });
  });

  it('refuses a repeated parameter (an array)', () => {
    expect(fieldsOf(() => pageLimit(['5', '6']))).toEqual({ limit: { code: 'page.limit', params: { max: 200 } } });
    expect(fieldsOf(() => pageRequest({ cursor: ['a', 'b'] }, KEY))).toEqual({ cursor: { code: 'page.cursor' } });
  });
});

describe('page requests and pages', () => {
  it('reads ?cursor=&limit=; no cursor is the first page', () => {
    expect(pageRequest({}, KEY)).toEqual({ after: null, limit: 50 });
    expect(pageRequest({ cursor: '', limit: '10' }, KEY)).toEqual({ after: null, limit: 10 });
    expect(pageRequest({ cursor: encodeCursor([AT, ID]), limit: '3' }, KEY)).toEqual({ after: [AT, ID], limit: 3 });
  });

  it('has a next cursor only when a row beyond the limit was fetched; it points at the last row shown', () => {
    const rows = [1, 2, 3, 4].map((n) => ({ n, key: [`k${n}`] }));
    expect(pageOf(rows.slice(0, 3), 3, (row) => row.key)).toEqual({ items: rows.slice(0, 3), nextCursor: null });
    const page = pageOf(rows, 3, (row) => row.key);
    expect(page.items.map((row) => row.n)).toEqual([1, 2, 3]);
    expect(decodeCursor(page.nextCursor!, ['text'] as const)).toEqual(['k3']);
    expect(mapPage(page, (row) => row.n)).toEqual({ items: [1, 2, 3], nextCursor: page.nextCursor });
  });

  it('links the next page with the other query parameters kept', () => {
    expect(nextPageUrl('/api/v1/orders?state=paid&cursor=old&limit=5', 'NEW')).toBe('/api/v1/orders?state=paid&cursor=NEW&limit=5');
    expect(nextPageUrl('/api/v1/orders', 'NEW')).toBe('/api/v1/orders?cursor=NEW');
  });
});
