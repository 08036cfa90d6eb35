import { randomBytes } from 'node:crypto';
import type { MailMessage } from './mailer.port.js';

/** Header values are one line: a CR or LF in a value would let it add headers of its own. */
function headerValue(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').trim();
}

/** RFC 2047 encoded-word for headers that are not plain ASCII. */
function encodeWord(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** SMTP allows lines of at most 998 octets (RFC 5322 2.1.1). */
const MAX_LINE_OCTETS = 998;

/**
 * A body part's headers and CRLF text: 8bit while every line fits (readable in the file), else
 * base64 in lines of 76 characters (a long error message in an alert, a long paragraph of HTML).
 */
function bodyPart(contentType: string, body: string): { headers: string[]; body: string } {
  const text = body.replace(/\r?\n/g, '\r\n');
  if (text.split('\r\n').every((line) => Buffer.byteLength(line, 'utf8') <= MAX_LINE_OCTETS)) {
    return { headers: [`Content-Type: ${contentType}; charset=utf-8`, 'Content-Transfer-Encoding: 8bit'], body: `${text}\r\n` };
  }
  const encoded = Buffer.from(body, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n').replace(/\r\n$/, '');
  return { headers: [`Content-Type: ${contentType}; charset=utf-8`, 'Content-Transfer-Encoding: base64'], body: `${encoded}\r\n` };
}

/**
 * A complete RFC 5322 message (UTF-8) that any mail client opens: the plain text alone, or with
 * its HTML as multipart/alternative (text first, so a client that shows one shows the HTML).
 */
export function toEml(message: MailMessage, from: string, domain: string, date = new Date()): string {
  const headers = [
    `From: ${headerValue(from)}`,
    `To: ${headerValue(message.to)}`,
    `Subject: ${encodeWord(headerValue(message.subject))}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${domain}>`,
    'MIME-Version: 1.0',
  ];
  const text = bodyPart('text/plain', message.text);
  if (message.html === undefined) return `${[...headers, ...text.headers].join('\r\n')}\r\n\r\n${text.body}`;

  // the boundary is random, so no line of either part can be mistaken for it
  const boundary = `=_allmende_${randomBytes(12).toString('hex')}`;
  const html = bodyPart('text/html', message.html);
  const parts = [text, html].map((part) => `--${boundary}\r\n${part.headers.join('\r\n')}\r\n\r\n${part.body}`);
  return `${[...headers, `Content-Type: multipart/alternative; boundary="${boundary}"`].join('\r\n')}\r\n\r\n${parts.join('')}--${boundary}--\r\n`;
}
