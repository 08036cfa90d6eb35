import { format } from '../web/html.js';
import { LANGUAGE_NAMES, LOCALES, localeOf, negotiateLocale, textsFor } from './catalogue.js';
import { de } from './de.js';
import { en } from './en.js';
import { problemWords } from './problem-words.js';

type Tree = { [key: string]: unknown };

const placeholders = (text: string) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]))].sort();

/** Every way two catalogues differ in shape, each naming its key path: missing keys, empty texts, different placeholders. */
function differences(a: Tree, b: Tree, names: [string, string], path = ''): string[] {
  const found: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const at = path ? `${path}.${key}` : key;
    const [left, right] = [a[key], b[key]];
    if (!(key in a)) found.push(`${at}: missing in ${names[0]}`);
    else if (!(key in b)) found.push(`${at}: missing in ${names[1]}`);
    else if (typeof left === 'string' && typeof right === 'string') {
      if (!left.trim()) found.push(`${at}: empty in ${names[0]}`);
      if (!right.trim()) found.push(`${at}: empty in ${names[1]}`);
      const [ours, theirs] = [placeholders(left), placeholders(right)];
      if (ours.join() !== theirs.join()) found.push(`${at}: placeholders {${ours.join('} {')}} in ${names[0]} but {${theirs.join('} {')}} in ${names[1]}`);
    } else if (isTree(left) && isTree(right)) found.push(...differences(left, right, names, at));
    else found.push(`${at}: a ${typeof left} in ${names[0]} but a ${typeof right} in ${names[1]}`);
  }
  return found;
}

// lists (paragraphs of a page) compare item by item, like keys
const isTree = (value: unknown): value is Tree => typeof value === 'object' && value !== null;

describe('the text catalogues', () => {
  it('has every English text in German and every German text in English, none empty, with the same placeholders', () => {
    expect(differences(en, de, ['en', 'de'])).toEqual([]);
  });

  it('names the exact key path of each difference', () => {
    const english = { a: { b: 'Hello {club}', c: 'x', e: 'on {date}' }, f: 'y' };
    const german = { a: { b: 'Hallo {verein}', d: 'z', e: ' ' }, f: { g: 'h' } };
    expect(differences(english, german, ['en', 'de'])).toEqual([
      'a.b: placeholders {club} in en but {verein} in de',
      'a.c: missing in de',
      'a.e: empty in de',
      'a.e: placeholders {date} in en but {} in de',
      'a.d: missing in en',
      'f: a string in en but a object in de',
    ]);
  });

  it('gives the texts of a language, and English for an unknown one', () => {
    expect(textsFor('de')).toBe(de);
    expect(textsFor('de-AT')).toBe(de);
    expect(textsFor('en')).toBe(en);
    expect(textsFor('fr')).toBe(en);
    expect(textsFor(undefined)).toBe(en);
    expect(textsFor('')).toBe(en);
    expect(LOCALES.map((locale) => textsFor(locale).locale)).toEqual(['en', 'de']);
  });

  it('names each language in itself for the switcher', () => {
    expect(LANGUAGE_NAMES).toEqual({ en: 'English', de: 'Deutsch' });
    expect(Object.keys(LANGUAGE_NAMES).sort()).toEqual([...LOCALES].sort());
  });

  it('says a field problem in German as one sentence after the field label', () => {
    const words = problemWords(de);
    const sentence = (label: string, problem: Parameters<typeof words>[0]) => format(de.errors.fieldProblem, { label, problem: words(problem) });
    expect(sentence(de.orderForm.subdomain.label, { code: 'subdomain.too_short', params: { min: 3 } })).toBe('Wunschname (Subdomain) muss mindestens 3 Zeichen lang sein.');
    expect(sentence(de.orderForm.customDomain.label, { code: 'domain.under_base', params: { base: 'hosting.example' } })).toBe('Ihre Domain liegt unter hosting.example; wählen Sie stattdessen eine Subdomain.');
  });
});

describe('negotiateLocale', () => {
  it('follows an explicit choice: the query first, then the cookie', () => {
    expect(negotiateLocale({ query: 'de', cookie: 'en', acceptLanguage: 'en' })).toBe('de');
    expect(negotiateLocale({ query: 'en', cookie: 'de', acceptLanguage: 'de' })).toBe('en');
    expect(negotiateLocale({ cookie: 'de', acceptLanguage: 'en' })).toBe('de');
    expect(negotiateLocale({ query: 'DE' })).toBe('de');
  });

  it('ignores an explicit choice of a language it does not speak', () => {
    expect(negotiateLocale({ query: 'fr', cookie: 'de', acceptLanguage: 'en' })).toBe('de');
    expect(negotiateLocale({ query: 'xx', cookie: '<script>', acceptLanguage: 'de' })).toBe('de');
    expect(negotiateLocale({ query: '', cookie: '' })).toBe('en');
  });

  it('picks the best match of Accept-Language by q-value', () => {
    expect(negotiateLocale({ acceptLanguage: 'de-DE,de;q=0.9,en;q=0.8' })).toBe('de');
    expect(negotiateLocale({ acceptLanguage: 'en-US,en;q=0.9,de;q=0.8' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'fr, en;q=0.5' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'fr-CH, fr;q=0.9, de;q=0.7, en;q=0.3' })).toBe('de');
    expect(negotiateLocale({ acceptLanguage: 'en;q=0.4, de;q=0.6' })).toBe('de');
    expect(negotiateLocale({ acceptLanguage: 'de-AT' })).toBe('de');
    expect(negotiateLocale({ acceptLanguage: 'DE-ch ; q = 0.8' })).toBe('de');
  });

  it('breaks a tie by the order of the header, and respects a refusal (q=0)', () => {
    expect(negotiateLocale({ acceptLanguage: 'de, en' })).toBe('de');
    expect(negotiateLocale({ acceptLanguage: 'en, de' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'de-DE, de;q=0, en;q=0.1' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: '*, en;q=0.5' })).toBe('de');
    expect(negotiateLocale({ acceptLanguage: '*' })).toBe('en');
  });

  it('falls back to English when nothing matches or the header is malformed', () => {
    expect(negotiateLocale({})).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'fr' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: '' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: ';;;,,,' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'de;q=abc' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'de;q=2' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'de_DE' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'en;q=0, de;q=0' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: `${'x,'.repeat(100_000)}de` })).toBe('en');
  });

  it('reads a language tag leniently', () => {
    expect(localeOf(' de-DE ')).toBe('de');
    expect(localeOf('english')).toBeUndefined();
    expect(localeOf(undefined)).toBeUndefined();
  });
});
