import { escapeHtml } from '../web/html.js';

/** Web addresses in a letter's text; what ends a sentence after one is not part of it. */
const URL = /https?:\/\/[^\s<>"'“”„‚‘’]+/g;
const TRAILING = /[.,;:!?)\]]+$/;

/** One line of text as HTML: everything escaped, web addresses made links. */
function line(text: string): string {
  let out = '';
  let at = 0;
  for (const match of text.matchAll(URL)) {
    const url = match[0].replace(TRAILING, '');
    out += escapeHtml(text.slice(at, match.index)) + `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    at = match.index + url.length;
  }
  return out + escapeHtml(text.slice(at));
}

/**
 * A letter's HTML, written from its plain text so both say the same: a paragraph per block of
 * lines, line breaks kept, links clickable. No styles, no scripts, nothing loaded from elsewhere.
 */
export function letterHtml(subject: string, text: string, lang: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((block) => block.replace(/^\n+|\n+$/g, ''))
    .filter((block) => block.trim() !== '')
    .map((block) => `<p>${block.split('\n').map(line).join('<br>\n')}</p>`);
  return [
    '<!DOCTYPE html>',
    `<html lang="${escapeHtml(lang)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    '<body>',
    ...paragraphs,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
