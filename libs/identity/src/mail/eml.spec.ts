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
