/**
 * Auto-escaping HTML templates: every interpolated value is escaped unless it is itself
 * the result of `html`. Arrays are joined; null, undefined and false render nothing.
 */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1];
  });
  return new SafeHtml(out);
}

/** Fills `{name}` placeholders of a text, escaping the values; for sentences with markup inside. */
export function fill(text: string, values: Record<string, SafeHtml | string | number>): SafeHtml {
  return new SafeHtml(escapeHtml(text).replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? render(values[key]) : whole)));
}

/** Plain-text `{name}` substitution (mail bodies, JSON messages). */
export function format(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}
