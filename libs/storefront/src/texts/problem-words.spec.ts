import { inputProblem } from '#platform';
import { en } from './en.js';
import { problemWords } from './problem-words.js';

describe('problem words', () => {
  const words = problemWords(en);

  it('says a problem with its values filled in', () => {
    expect(words({ code: 'domain.under_base', params: { base: 'hosting.example' } })).toBe('is under hosting.example; choose a subdomain instead');
    expect(words({ code: 'subdomain.too_short', params: { min: 3 } })).toBe('must be at least 3 characters');
    expect(words({ code: 'subdomain.reserved' })).toBe('is reserved; please choose another name');
  });

  it('passes request validation details through, and shows an unknown code rather than nothing', () => {
    expect(words(inputProblem('must be an email address'))).toBe('must be an email address');
    expect(words({ code: 'no.such.code' })).toBe('no.such.code');
  });

  it('has words for every code, none empty, none with a placeholder left unnamed', () => {
    for (const [code, text] of Object.entries(en.problems)) {
      expect([code, text.trim().length > 0]).toEqual([code, true]);
      expect([code, /\{[^a-z}]|\{\}/.test(text)]).toEqual([code, false]);
    }
  });
});
