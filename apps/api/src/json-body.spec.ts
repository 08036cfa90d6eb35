import { jsonDepthExceeds } from './json-body.js';

const text = (value: string) => Buffer.from(value, 'utf8');

describe('jsonDepthExceeds', () => {
  it('counts nested objects and arrays', () => {
    expect(jsonDepthExceeds(text('{"a":1}'), 1)).toBe(false);
    expect(jsonDepthExceeds(text('{"a":[1]}'), 1)).toBe(true);
    expect(jsonDepthExceeds(text('{"a":[1]}'), 2)).toBe(false);
    expect(jsonDepthExceeds(text('[[],[],{"b":{}}]'), 2)).toBe(true);
    expect(jsonDepthExceeds(text('[[],[],{"b":{}}]'), 3)).toBe(false);
    expect(jsonDepthExceeds(text('"plain"'), 0)).toBe(false);
  });

  it('ignores brackets inside strings, including after escaped quotes and backslashes', () => {
    expect(jsonDepthExceeds(text('{"a":"[[[[{{{{"}'), 1)).toBe(false);
    expect(jsonDepthExceeds(text('{"a":"say \\"[[[\\" ok","b":"\\\\"}'), 1)).toBe(false);
    expect(jsonDepthExceeds(text('{"a":"\\\\","b":[[1]]}'), 2)).toBe(true);
  });

  it('stops at the limit on huge nesting, without recursion', () => {
    const deep = text(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    expect(jsonDepthExceeds(deep, 32)).toBe(true);
    expect(jsonDepthExceeds(text(`${'['.repeat(32)}${']'.repeat(32)}`), 32)).toBe(false);
    expect(jsonDepthExceeds(text(`${'['.repeat(33)}${']'.repeat(33)}`), 32)).toBe(true);
  });

  it('counts multi-byte text as text', () => {
    expect(jsonDepthExceeds(text('{"name":"Gärtner [e.V.] 🎉"}'), 1)).toBe(false);
  });
});
