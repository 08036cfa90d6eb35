/**
 * What a correctly signed webhook body must also be before it is stored: checks that the
 * Stripe SDK does not make. Pure: each returns the reason for refusing, or null.
 */

/** How far a signature's time may lie from ours, either way (the SDK's default for old ones). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Stripe's events nest about ten levels (event, data, object, items, data, price, recurring...); expansions add a few. */
export const MAX_EVENT_DEPTH = 64;

/** Stripe's ids: evt_ and letters, digits, underscores; the column holds 255. */
const EVENT_ID = /^evt_[A-Za-z0-9_]{1,251}$/;
/** 9999-12-31T23:59:59Z: later times are no dates a timestamp column (or a JavaScript Date) takes. */
const LATEST_CREATED = 253_402_300_799;
/** Stripe's event types: dotted lower-case words, e.g. customer.subscription.updated; the column holds 100. */
const EVENT_TYPE = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;

/**
 * The signature's time (`t=`) as the SDK reads it: the last `t` in the header. The SDK refuses
 * signatures older than the tolerance but accepts any from the future; a signature made for
 * a later replay is refused here.
 */
export function futureSignatureProblem(header: string, nowSeconds: number, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS): string | null {
  const times = header
    .split(',')
    .map((item) => item.split('='))
    .filter(([key]) => key === 't')
    .map(([, value]) => value ?? '');
  const time = times.at(-1);
  if (time === undefined || !/^\d{1,12}$/.test(time)) return 'the signature has no valid time (t=)';
  if (Number(time) - nowSeconds > toleranceSeconds) return `the signature is dated in the future (more than ${toleranceSeconds} seconds ahead of our clock)`;
  return null;
}

/** The envelope every Stripe event has: an object with an evt_ id, a type, a creation time and data.object. */
export function eventEnvelopeProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return `the body is not a Stripe event (a JSON ${describe(value)}, not an object)`;
  if (value.object !== 'event') return 'the body is not a Stripe event (object is not "event")';
  if (typeof value.id !== 'string' || !EVENT_ID.test(value.id)) return 'the event has no valid id (evt_ and up to 251 letters, digits or underscores)';
  if (typeof value.type !== 'string' || value.type.length > 100 || !EVENT_TYPE.test(value.type)) return 'the event has no valid type (e.g. invoice.paid)';
  if (typeof value.created !== 'number' || !Number.isSafeInteger(value.created) || value.created <= 0 || value.created > LATEST_CREATED) {
    return 'the event has no valid created time (unix seconds)';
  }
  if (!isPlainObject(value.data) || !isPlainObject(value.data.object)) return 'the event has no data.object';
  return null;
}

/**
 * What Postgres' jsonb (and any recursive code after it) cannot take: nesting deeper than
 * `maxDepth`, NUL characters and unpaired surrogates in strings or keys, numbers beyond
 * JavaScript's range. Walks without
 * recursion, so the check itself cannot overflow the stack.
 */
export function storableJsonProblem(value: unknown, maxDepth = MAX_EVENT_DEPTH): string | null {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (typeof current === 'string') {
      const problem = stringProblem(current);
      if (problem) return problem;
      continue;
    }
    // JSON.parse turns 1e400 into Infinity; Postgres' numeric refuses such numbers
    if (typeof current === 'number' && !Number.isFinite(current)) return 'the body contains a number too large to store';
    if (current === null || typeof current !== 'object') continue;
    if (depth > maxDepth) return `the body nests deeper than ${maxDepth} levels`;
    if (Array.isArray(current)) {
      for (const item of current) pending.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      const problem = stringProblem(key);
      if (problem) return problem;
      pending.push({ value: item, depth: depth + 1 });
    }
  }
  return null;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function stringProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'the body contains a NUL character (\\u0000), which cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'the body contains an unpaired UTF-16 surrogate, which cannot be stored';
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
