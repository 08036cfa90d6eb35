import { de } from './de.js';
import { en, type Texts } from './en.js';

/** The languages the storefront speaks; English is the default and the fallback. */
export type Locale = 'en' | 'de';
export const LOCALES: readonly Locale[] = ['en', 'de'];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each language's name in itself, for the language switcher. */
export const LANGUAGE_NAMES: Readonly<Record<Locale, string>> = { en: 'English', de: 'Deutsch' };

/** The query parameter and the cookie that carry a person's explicit choice of language. */
export const LOCALE_QUERY = 'lang';
export const LOCALE_COOKIE = 'lang';

const CATALOGUES: Readonly<Record<Locale, Texts>> = { en, de };

/** The locale a language tag names ("de", "DE", "de-AT" -> de), or undefined when we do not speak it. */
export function localeOf(tag: string | undefined): Locale | undefined {
  const primary = tag?.trim().split('-')[0].toLowerCase();
  return LOCALES.find((locale) => locale === primary);
}

/** The texts of a language; an unknown or missing one gets English. */
export function textsFor(locale: string | undefined): Texts {
  return CATALOGUES[localeOf(locale) ?? DEFAULT_LOCALE];
}

export interface LocaleSources {
  /** The value of the `lang` query parameter. */
  query?: string;
  /** The value of the `lang` cookie. */
  cookie?: string;
  /** The Accept-Language request header. */
  acceptLanguage?: string;
}

/**
 * The language of a page: an explicit choice (the query, then the cookie) wins; otherwise the
 * best match of Accept-Language by q-value, earlier entries winning ties; otherwise English.
 * Pure and total: malformed input never throws, it only falls through.
 */
export function negotiateLocale(sources: LocaleSources): Locale {
  return localeOf(sources.query) ?? localeOf(sources.cookie) ?? bestAccepted(sources.acceptLanguage) ?? DEFAULT_LOCALE;
}

// RFC 9110 12.5.4: a language range is "*" or alphanumeric subtags joined by "-"; q has at most three decimals.
const RANGE = /^(?:\*|[a-z]{1,8}(?:-[a-z0-9]{1,8})*)$/i;
const WEIGHT = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i;
// A header longer than any browser sends is cut, so parsing stays cheap whatever arrives.
const MAX_HEADER = 1_000;

interface Preference {
  range: string;
  q: number;
  position: number;
}

function bestAccepted(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const preferences = parseAcceptLanguage(header.slice(0, MAX_HEADER));
  let best: { locale: Locale; q: number; position: number } | undefined;
  for (const locale of LOCALES) {
    const preference = preferenceFor(locale, preferences);
    if (!preference || preference.q <= 0) continue;
    if (!best || preference.q > best.q || (preference.q === best.q && preference.position < best.position)) best = { locale, q: preference.q, position: preference.position };
  }
  return best?.locale;
}

/** The entries of an Accept-Language header; a malformed entry is left out, not guessed at. */
function parseAcceptLanguage(header: string): Preference[] {
  const preferences: Preference[] = [];
  header.split(',').forEach((entry, position) => {
    const [range, ...parameters] = entry.split(';').map((part) => part.trim());
    if (!RANGE.test(range)) return;
    let q = 1;
    for (const parameter of parameters) {
      const weight = WEIGHT.exec(parameter.replace(/\s+/g, ''));
      if (!weight) return;
      q = Number(weight[1]);
    }
    preferences.push({ range: range.toLowerCase(), q, position });
  });
  return preferences;
}

/**
 * How much a header wants a locale: the entry naming exactly it ("de"), else the best entry of
 * one of its regions ("de-AT"), else the wildcard ("*"). So "de;q=0" refuses German outright.
 */
function preferenceFor(locale: Locale, preferences: Preference[]): Preference | undefined {
  const exact = preferences.find((preference) => preference.range === locale);
  if (exact) return exact;
  const regional = preferences.filter((preference) => preference.range.startsWith(`${locale}-`)).sort((a, b) => b.q - a.q || a.position - b.position)[0];
  return regional ?? preferences.find((preference) => preference.range === '*');
}
