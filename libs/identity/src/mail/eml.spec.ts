import { simpleParser } from 'mailparser';
import { toEml } from './eml.js';

describe('toEml', () => {
  it('writes a message mail clients open, with header injection neutralised', () => {
    const eml = toEml({ to: 'a@b.example\r\nBcc: evil@x.example', subject: 'Einladung für Gärtner', text: 'line 1\nline 2' }, 'Allmende <noreply@h.example>', 'h.example', new Date('2026-01-02T03:04:05Z'));
    const [head, body] = eml.split('\r\n\r\n');
    expect(head.split('\r\n')).toEqual([
      'From: Allmende <noreply@h.example>',
      'To: a@b.example Bcc: evil@x.example',
      `Subject: =?UTF-8?B?${Buffer.from('Einladung für Gärtner').toString('base64')}?=`,
      'Date: Fri, 02 Jan 2026 03:04:05 +0000',
      expect.stringMatching(/^Message-ID: <[0-9a-f]{24}@h\.example>$/),
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
    ]);
    expect(body).toBe('line 1\r\nline 2\r\n');
  });
});

describe('toEml with HTML', () => {
  const message = {
    to: 'chair@gardeners.example',
    subject: 'Ihre Bestellung AM-2026-0042',
    text: 'Hallo Gärtner,\n\nbitte überweisen Sie 9,00 €.\nhttps://hosting.example/order/1\n',
    html: '<!DOCTYPE html>\n<html lang="de">\n<body>\n<p>Hallo Gärtner,</p>\n<p>bitte überweisen Sie 9,00 €.<br>\n<a href="https://hosting.example/order/1">https://hosting.example/order/1</a></p>\n</body>\n</html>\n',
  };

  it('sends the text and the HTML as alternatives that a mail parser reads back unchanged', async () => {
    const eml = toEml(message, 'Allmende <noreply@h.example>', 'h.example', new Date('2026-01-02T03:04:05Z'));
    const head = eml.split('\r\n\r\n')[0];
    expect(head).toMatch(/^Content-Type: multipart\/alternative; boundary="=_allmende_[0-9a-f]{24}"$/m);
    // 8bit parts stay readable in the outbox file
    expect(eml).toContain('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHallo Gärtner,\r\n');
    expect(eml).toContain('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit');
    const parsed = await simpleParser(eml);
    expect(parsed.subject).toBe('Ihre Bestellung AM-2026-0042');
    expect(parsed.text).toBe(message.text);
    expect(parsed.html).toBe(message.html);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : parsed.to).toBe('chair@gardeners.example');
  });

  it('encodes a part as base64 when a line would be longer than SMTP allows', async () => {
    const long = `${'Fehler '.repeat(200)}ende`;
    const eml = toEml({ ...message, text: long, html: `<p>${long}</p>` }, 'a@h.example', 'h.example');
    expect(eml).toContain('Content-Transfer-Encoding: base64');
    expect(eml.split('\r\n').every((line) => Buffer.byteLength(line) <= 998)).toBe(true);
    const parsed = await simpleParser(eml);
    expect(parsed.text?.trim()).toBe(long);
    expect(parsed.html).toBe(`<p>${long}</p>`);
  });
});
