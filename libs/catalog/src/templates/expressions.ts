/**
 * The one expression form templates may use inside a string field: `{{ name.path }}`.
 * A template string is parsed once, from the template's own text, into literal and
 * variable parts; values are then joined in as plain text. Substituted text is never
 * parsed again, so a value containing `{{ ... }}` stays literal, and there is no
 * nesting, no filters, no defaults: an unknown variable is an error.
 */
export type TemplatePart = { literal: string } | { variable: string };

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

const EXPRESSION = /\{\{\s*([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\s*\}\}/g;
const HOLE = '\u0000';

export function parseTemplateString(text: string): TemplatePart[] {
  // Whatever is left after removing well-formed expressions must hold no braces pair:
  // a typo like "{{ secrets.x }" fails at load instead of reaching a container.
  const rest = text.replace(EXPRESSION, HOLE);
  if (rest.includes('{{') || rest.includes('}}') || rest.includes(`{${HOLE}`) || rest.includes(`${HOLE}}`)) {
    throw new ExpressionError('has a malformed {{ }} expression (the form is {{ name.path }})');
  }
  const parts: TemplatePart[] = [];
  let position = 0;
  for (const match of text.matchAll(EXPRESSION)) {
    if (match.index > position) parts.push({ literal: text.slice(position, match.index) });
    parts.push({ variable: match[1] });
    position = match.index + match[0].length;
  }
  if (position < text.length) parts.push({ literal: text.slice(position) });
  return parts;
}

export function variablesIn(text: string): string[] {
  return parseTemplateString(text).flatMap((part) => ('variable' in part ? [part.variable] : []));
}

/** Fills a template string; values are inserted verbatim and never re-read. */
export function substitute(text: string, variables: ReadonlyMap<string, string>): string {
  let out = '';
  for (const part of parseTemplateString(text)) {
    if ('literal' in part) {
      out += part.literal;
      continue;
    }
    const value = variables.get(part.variable);
    if (value === undefined) throw new ExpressionError(`unknown variable "${part.variable}"`);
    out += value;
  }
  return out;
}
