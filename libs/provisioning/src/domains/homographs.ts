import { domainToUnicode } from 'node:url';

// Internationalised names that could pass for another name. Rules after Unicode TS #39
// ("highly restrictive"): every label is written in one script, apart from digits, hyphens
// and combining marks, with the combinations CJK writing needs; and a label written entirely
// in Cyrillic or Greek letters that look Latin is refused under a Latin top-level domain.

/** Scripts told apart; a letter of none of them counts as "Other". */
const SCRIPTS = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Devanagari', 'Bengali', 'Gurmukhi',
  'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao', 'Tibetan', 'Myanmar', 'Georgian',
  'Hangul', 'Ethiopic', 'Cherokee', 'Khmer', 'Mongolian', 'Hiragana', 'Katakana', 'Bopomofo', 'Han', 'Canadian_Aboriginal',
] as const;
export type Script = (typeof SCRIPTS)[number] | 'Other';

const SCRIPT_PATTERNS = SCRIPTS.map((script) => [script, new RegExp(`^\\p{Script=${script}}$`, 'u')] as const);
const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/** Scripts that may be mixed in one label (Japanese, Chinese, Korean writing with Latin). */
const ALLOWED_MIXES: readonly ReadonlySet<Script>[] = [
  new Set<Script>(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set<Script>(['Latin', 'Han', 'Bopomofo']),
  new Set<Script>(['Latin', 'Han', 'Hangul']),
];

/** Letters of Cyrillic and Greek that look like Latin ones (lower case). */
const LATIN_LOOKALIKES = new Set([...'аеорсухіјѕԁӏһԛԝүьѵ', ...'αεικνορτυχ']);

/** The scripts of a label's letters (digits, hyphens and marks belong to none). */
export function scriptsOf(label: string): Set<Script> {
  const scripts = new Set<Script>();
  for (const char of label) {
    if (NEUTRAL.test(char)) continue;
    scripts.add(SCRIPT_PATTERNS.find(([, pattern]) => pattern.test(char))?.[0] ?? 'Other');
  }
  return scripts;
}

export type HomographFinding = { kind: 'mixed_scripts'; label: string; scripts: Script[] } | { kind: 'confusable'; label: string; script: Script };

/**
 * Why an internationalised name could be mistaken for another, or undefined. Takes the
 * ASCII (punycode) form; looks at each label in Unicode.
 */
export function homographFinding(asciiName: string): HomographFinding | undefined {
  const labels = domainToUnicode(asciiName).split('.');
  const tldIsLatin = /^[a-z]+$/.test(labels[labels.length - 1] ?? '');
  for (const label of labels) {
    const scripts = scriptsOf(label);
    if (scripts.size > 1 && !ALLOWED_MIXES.some((allowed) => [...scripts].every((script) => allowed.has(script)))) {
      return { kind: 'mixed_scripts', label, scripts: [...scripts].sort() };
    }
    const [only] = scripts;
    if (scripts.size === 1 && (only === 'Cyrillic' || only === 'Greek') && tldIsLatin) {
      const letters = [...label].filter((char) => !NEUTRAL.test(char));
      if (letters.every((char) => LATIN_LOOKALIKES.has(char))) return { kind: 'confusable', label, script: only };
    }
  }
  return undefined;
}

/** How people see a name: "gärtner.de (xn--grtner-bua.de)" for an IDN, the name itself otherwise. */
export function displayDomain(asciiName: string): string {
  const unicode = domainToUnicode(asciiName);
  return unicode && unicode !== asciiName ? `${unicode} (${asciiName})` : asciiName;
}
