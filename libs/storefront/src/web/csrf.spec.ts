import { randomBytes } from 'node:crypto';
import { csrfBinding, csrfKey, csrfMatches, csrfToken } from './csrf.js';
import { parseCookies } from './cookies.js';

describe('form tokens', () => {
  const key = csrfKey(randomBytes(32));

  it('accepts the token of the same binding only', () => {
    const binding = csrfBinding(null, 'visit-1');
    const token = csrfToken(key, binding);
    expect(csrfMatches(key, binding, token)).toBe(true);
    expect(csrfMatches(key, csrfBinding(null, 'visit-2'), token)).toBe(false);
    expect(csrfMatches(key, csrfBinding('token-id', 'visit-1'), token)).toBe(false);
  });

  it('refuses missing, malformed and foreign tokens', () => {
    const binding = csrfBinding('token-id', 'visit-1');
    expect(csrfMatches(key, binding, undefined)).toBe(false);
    expect(csrfMatches(key, binding, '')).toBe(false);
    expect(csrfMatches(key, binding, ['x'])).toBe(false);
    expect(csrfMatches(key, binding, csrfToken(csrfKey(randomBytes(32)), binding))).toBe(false);
  });
});

describe('cookies', () => {
  it('reads pairs, keeps the first of a name and skips broken ones', () => {
    expect(parseCookies('a=1; b="two"; a=3; broken; c=%E0%A4%A; d=x%20y')).toEqual({ a: '1', b: 'two', d: 'x y' });
    expect(parseCookies(undefined)).toEqual({});
  });
});
