import { eventEnvelopeProblem, futureSignatureProblem, storableJsonProblem } from './stripe-webhook-checks.js';

const NOW = 1_800_000_000;
const EVENT = { id: 'evt_1Q2w3E4r5T6y', object: 'event', type: 'customer.subscription.updated', created: NOW, data: { object: { id: 'sub_1' } } };

describe('futureSignatureProblem', () => {
  it('accepts a signature from now, from the past (the SDK judges those) and a little ahead (clock skew)', () => {
    expect(futureSignatureProblem(`t=${NOW},v1=abc`, NOW)).toBeNull();
    expect(futureSignatureProblem(`t=${NOW - 10_000},v1=abc`, NOW)).toBeNull();
    expect(futureSignatureProblem(`t=${NOW + 300},v1=abc`, NOW)).toBeNull();
  });

  it('refuses one dated further ahead than the tolerance', () => {
    expect(futureSignatureProblem(`t=${NOW + 301},v1=abc`, NOW)).toMatch(/future/);
    expect(futureSignatureProblem(`t=${NOW + 86_400 * 365},v1=abc`, NOW)).toMatch(/future/);
    expect(futureSignatureProblem(`t=${NOW + 61},v1=abc`, NOW, 60)).toMatch(/more than 60 seconds/);
  });

  it('reads the time the SDK reads (the last t=) and refuses a header without a usable one', () => {
    expect(futureSignatureProblem(`t=${NOW},v1=abc,t=${NOW + 1000}`, NOW)).toMatch(/future/);
    expect(futureSignatureProblem('v1=abc', NOW)).toMatch(/no valid time/);
    expect(futureSignatureProblem('t=soon,v1=abc', NOW)).toMatch(/no valid time/);
    expect(futureSignatureProblem('t=-5,v1=abc', NOW)).toMatch(/no valid time/);
  });
});

describe('eventEnvelopeProblem', () => {
  it('accepts a Stripe event', () => {
    expect(eventEnvelopeProblem(EVENT)).toBeNull();
  });

  it.each<[string, unknown, RegExp]>([
    ['an array', [EVENT], /JSON array, not an object/],
    ['null', null, /JSON null/],
    ['a string', 'evt_1', /JSON string/],
    ['a number', 42, /JSON number/],
    ['another object', { ...EVENT, object: 'invoice' }, /object is not "event"/],
    ['no id', { ...EVENT, id: undefined }, /no valid id/],
    ['a numeric id', { ...EVENT, id: 42 }, /no valid id/],
    ['an id without evt_', { ...EVENT, id: 'sub_1' }, /no valid id/],
    ['an id longer than the column', { ...EVENT, id: `evt_${'x'.repeat(252)}` }, /no valid id/],
    ['an id with odd characters', { ...EVENT, id: "evt_1'; drop table" }, /no valid id/],
    ['no type', { ...EVENT, type: undefined }, /no valid type/],
    ['a type that is not dotted words', { ...EVENT, type: 'Invoice Paid' }, /no valid type/],
    ['a type longer than the column', { ...EVENT, type: `a.${'b'.repeat(100)}` }, /no valid type/],
    ['no created', { ...EVENT, created: undefined }, /no valid created/],
    ['created as text', { ...EVENT, created: '1800000000' }, /no valid created/],
    ['created fractional', { ...EVENT, created: 1.5 }, /no valid created/],
    ['created after the year 9999', { ...EVENT, created: 253_402_300_800 }, /no valid created/],
    ['no data', { ...EVENT, data: undefined }, /no data.object/],
    ['data.object as an array', { ...EVENT, data: { object: [] } }, /no data.object/],
  ])('refuses %s', (_what, value, reason) => {
    expect(eventEnvelopeProblem(value)).toMatch(reason);
  });
});

describe('storableJsonProblem', () => {
  const nested = (levels: number): unknown => {
    let value: unknown = {};
    for (let level = 1; level < levels; level++) value = level % 2 ? [value] : { inner: value };
    return value;
  };

  it('accepts ordinary events and nesting up to the limit', () => {
    expect(storableJsonProblem(EVENT)).toBeNull();
    expect(storableJsonProblem(nested(64))).toBeNull();
    expect(storableJsonProblem({ emoji: 'club 🎉', text: 'ä\nb' })).toBeNull();
  });

  it('refuses deeper nesting without overflowing the stack itself', () => {
    expect(storableJsonProblem(nested(65))).toMatch(/deeper than 64 levels/);
    expect(storableJsonProblem(JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`))).toMatch(/deeper than 64/);
    expect(storableJsonProblem(nested(11), 10)).toMatch(/deeper than 10/);
  });

  it('refuses what jsonb cannot store: NUL and unpaired surrogates, in values and in keys', () => {
    expect(storableJsonProblem({ name: 'a\u0000b' })).toMatch(/NUL/);
    expect(storableJsonProblem({ 'k\u0000': 1 })).toMatch(/NUL/);
    expect(storableJsonProblem([['\ud800']])).toMatch(/surrogate/);
    expect(storableJsonProblem({ name: 'x\udc00' })).toMatch(/surrogate/);
  });

  it('refuses numbers JSON.parse could only make Infinity of', () => {
    expect(storableJsonProblem(JSON.parse('{"amount":1e400}'))).toMatch(/number too large/);
    expect(storableJsonProblem(JSON.parse('{"amount":[-1e400]}'))).toMatch(/number too large/);
    expect(storableJsonProblem(JSON.parse('{"amount":1e300,"tiny":1e-400}'))).toBeNull();
  });
});
