import { mastodonRowsProbe, wordpressPostProbe, xmppLoginProbe } from './drill-probes.js';

const ok = (stdout: string) => ({ exitCode: 0, stdout, stderr: '' });

describe('restore drill probes', () => {
  it('logs in over XMPP with the password on stdin only, and judges Prosody\'s answer', () => {
    const probe = xmppLoginProbe('prosody', 'chat.club.example', 'admin', 's3cret pass');
    expect(probe.argv.join(' ')).not.toContain('s3cret');
    expect(probe.argv.at(-1)).toBe('chat.club.example'); // an argument of the fixed script, not part of it
    expect(probe.stdin).toContain(Buffer.from('\0admin\0s3cret pass').toString('base64'));
    expect(probe.judge(ok("<stream:features/><success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"))).toMatchObject({ ok: true });
    const refused = probe.judge(ok("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text>Unable to authorize you</text></failure>"));
    expect(refused).toMatchObject({ ok: false });
    expect(refused.detail).toContain('Unable to authorize you');
    expect(() => xmppLoginProbe('prosody', 'chat.club.example; rm -rf /', 'admin', 'x')).toThrow('not a domain');
  });

  it('finds the newest post in the restored database, then fetches it from the restored site, following a permalink redirect', () => {
    const probe = wordpressPostProbe('wordpress', 'club.example');
    const found = probe.judge(ok('42\tSpring fair on Saturday\n'));
    expect(found.ok).toBe(true);
    const fetch = found.next!;
    expect(fetch.argv).toContain('Host: club.example');
    expect(fetch.argv.at(-1)).toBe('http://127.0.0.1:8080/?p=42');
    const moved = fetch.judge(ok('\n301 https://club.example/2026/03/spring-fair/'));
    expect(moved.next!.argv.at(-1)).toBe('http://127.0.0.1:8080/2026/03/spring-fair/');
    expect(moved.next!.judge(ok('<h1>Spring fair on Saturday</h1>\n200 '))).toMatchObject({ ok: true, detail: 'post 42 "Spring fair on Saturday" is served (/2026/03/spring-fair/)' });
    expect(fetch.judge(ok('<h1>Error establishing a database connection</h1>\n500 '))).toMatchObject({ ok: false });
    expect(probe.judge(ok(''))).toMatchObject({ ok: false, detail: 'the restored database has no published post' });
  });

  it("follows WordPress to its home URL's port (the edge's, when not 443) with that Host, and never to another name", () => {
    const fetch = wordpressPostProbe('wordpress', 'club.example').judge(ok('42\tSpring fair\n')).next!;
    const moved = fetch.judge(ok('\n301 https://club.example:8443/?p=42'));
    expect(moved.next!.argv).toContain('Host: club.example:8443');
    expect(moved.next!.argv.at(-1)).toBe('http://127.0.0.1:8080/?p=42');
    expect(moved.next!.judge(ok('<h1>Spring fair</h1>\n200 '))).toMatchObject({ ok: true });
    expect(fetch.judge(ok('\n301 https://evil.example/?p=42'))).toMatchObject({ ok: false, detail: 'post 42 "Spring fair" is not served: HTTP 301 for /?p=42' });
  });

  it('counts the accounts of the restored Mastodon database', () => {
    const probe = mastodonRowsProbe('mastodon');
    expect(probe.judge(ok('3\n'))).toMatchObject({ ok: true, detail: '3 account(s) in the restored database' });
    expect(probe.judge(ok('0\n'))).toMatchObject({ ok: false });
    expect(probe.judge({ exitCode: 2, stdout: '', stderr: 'relation "accounts" does not exist' })).toMatchObject({ ok: false });
  });
});
