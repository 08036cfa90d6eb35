import { evaluateCertificate, evaluateHostMeta, evaluateNodeinfo, evaluateRedirect, evaluateWebfinger, evaluateWordpressHome, evaluateXmpp, expiryStatus, nodeinfoLink } from './evaluate.js';
import type { HttpOutcome, TlsOutcome } from './probes.js';

const now = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const certificate = (daysLeft: number, lifetimeDays = 90) => ({
  names: ['club.example'],
  validFrom: new Date(now.getTime() - (lifetimeDays - daysLeft) * DAY),
  validTo: new Date(now.getTime() + daysLeft * DAY),
  issuer: 'Test CA',
});
const answer = (status: number, body = '', headers: Record<string, string> = {}): HttpOutcome => ({ ok: true, answer: { status, headers, body } });

describe('readiness: HTTPS', () => {
  it('a valid certificate, with its days to expiry; a warning when renewal is overdue', () => {
    expect(evaluateCertificate('club.example', { ok: true, certificate: certificate(60) }, now)).toEqual({
      check: 'https.certificate', subject: 'club.example', status: 'ok', detail: 'the certificate for club.example is valid until 2026-04-30 (60 days left)',
    });
    expect(evaluateCertificate('club.example', { ok: true, certificate: certificate(5) }, now)).toMatchObject({ status: 'warning', fix: { current: 'valid until 2026-03-06', expected: 'a renewed certificate' } });
    // a 12-hour internal certificate with 8 hours left is fine
    expect(expiryStatus({ ...certificate(0), validFrom: new Date(now.getTime() - 4 * 3_600_000), validTo: new Date(now.getTime() + 8 * 3_600_000) }, now).status).toBe('ok');
  });

  it.each([
    [{ ok: false, stage: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }, { current: 'a self-signed certificate', expected: 'a certificate for club.example from a trusted authority' }],
    [{ ok: false, stage: 'tls', code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }, { current: 'an expired certificate', expected: 'a valid certificate for club.example from a trusted authority' }],
    [{ ok: false, stage: 'tls', code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: '...', presentedNames: ['other.example', 'www.other.example'] }, { current: 'a certificate for other.example, www.other.example', expected: 'a certificate that covers club.example' }],
    [{ ok: false, stage: 'connect', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, { current: 'no answer on port 443 (ECONNREFUSED)', expected: 'the edge proxy answering HTTPS' }],
    [{ ok: false, stage: 'tls', code: 'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR', message: 'alert' }, { current: 'handshake failed: ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR', expected: 'a certificate for club.example from a trusted authority' }],
  ] as [TlsOutcome, object][])('says what is wrong with %p', (outcome, fix) => {
    expect(evaluateCertificate('club.example', outcome, now)).toMatchObject({ status: 'failing', fix });
  });

  it('HTTP must redirect to HTTPS on the same name', () => {
    expect(evaluateRedirect('club.example', answer(308, '', { location: 'https://club.example/' }))).toMatchObject({ status: 'ok' });
    expect(evaluateRedirect('club.example', answer(302, '', { location: 'https://club.example/' }))).toMatchObject({ status: 'warning' });
    expect(evaluateRedirect('club.example', answer(200, 'hello'))).toMatchObject({ status: 'failing', fix: { current: '200 without a redirect', expected: 'a redirect (301 or 308) to https://club.example/' } });
    expect(evaluateRedirect('club.example', answer(301, '', { location: 'http://elsewhere.example/' }))).toMatchObject({ status: 'failing', fix: { current: '301 to http://elsewhere.example/' } });
  });
});

describe('readiness: Mastodon', () => {
  const path = '/.well-known/webfinger?resource=acct%3Aclub.example%40club.example';

  it('WebFinger on the same domain: a JRD readable from any origin', () => {
    expect(evaluateWebfinger('club.example', 'club.example', path, answer(200, '{"subject":"acct:club.example@club.example","links":[]}', { 'access-control-allow-origin': '*' }))).toMatchObject({ status: 'ok' });
    expect(evaluateWebfinger('club.example', 'club.example', path, answer(200, '{"subject":"acct:x@club.example"}'))).toMatchObject({ status: 'warning', fix: { current: 'no Access-Control-Allow-Origin', expected: 'Access-Control-Allow-Origin: *' } });
    expect(evaluateWebfinger('club.example', 'club.example', path, answer(404, 'Not Found'))).toMatchObject({ status: 'failing', fix: { current: '404, not JSON' } });
  });

  it('WebFinger on a handle domain: a 301 to the web domain with CORS *', () => {
    const redirect = answer(301, '', { location: `https://social.club.example${path}`, 'access-control-allow-origin': '*' });
    expect(evaluateWebfinger('club.example', 'social.club.example', path, redirect)).toMatchObject({ status: 'ok' });
    const noCors = answer(301, '', { location: `https://social.club.example${path}` });
    expect(evaluateWebfinger('club.example', 'social.club.example', path, noCors)).toMatchObject({
      status: 'failing',
      fix: { current: `301 to https://social.club.example${path}, without Access-Control-Allow-Origin: *`, expected: `301 to https://social.club.example${path} with Access-Control-Allow-Origin: *` },
    });
  });

  it('host-meta points WebFinger at the web domain', () => {
    const xrd = `<?xml version="1.0"?><XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0"><Link rel="lrdd" template="https://club.example/.well-known/webfinger?resource={uri}"/></XRD>`;
    expect(evaluateHostMeta('club.example', 'club.example', answer(200, xrd))).toMatchObject({ status: 'ok' });
    expect(evaluateHostMeta('club.example', 'club.example', answer(200, xrd.replace('https://club.example', 'https://old.example')))).toMatchObject({
      status: 'failing', fix: { current: 'template https://old.example/.well-known/webfinger?resource={uri}', expected: '200 with the template https://club.example/.well-known/webfinger?resource={uri}' },
    });
  });

  it('NodeInfo: the index links a 2.x document on the web domain that names its software', () => {
    const index = answer(200, '{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"https://club.example/nodeinfo/2.0"}]}');
    expect(nodeinfoLink('club.example', index)).toBe('/nodeinfo/2.0');
    expect(nodeinfoLink('club.example', answer(200, '{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"https://evil.example/nodeinfo/2.0"}]}'))).toBeNull();
    expect(evaluateNodeinfo('club.example', index, answer(200, '{"version":"2.0","software":{"name":"mastodon","version":"4.3.0"}}'))).toMatchObject({ status: 'ok', detail: 'club.example runs mastodon 4.3.0' });
    expect(evaluateNodeinfo('club.example', answer(404), null)).toMatchObject({ status: 'failing', fix: { expected: '200 with links[].href https://club.example/nodeinfo/2.0' } });
  });
});

describe('readiness: WordPress', () => {
  it("home and site URL must be the tenant's https address", () => {
    const index = (home: string, url = home) => answer(200, JSON.stringify({ name: 'Club', home, url }));
    expect(evaluateWordpressHome('club.example', answer(200, '<html>'), index('https://club.example'))).toMatchObject({ status: 'ok' });
    expect(evaluateWordpressHome('club.example', answer(200, '<html>'), index('http://club.example'))).toMatchObject({ status: 'failing', fix: { current: 'http://club.example', expected: 'https://club.example' } });
    expect(evaluateWordpressHome('club.example', answer(200, '<html>'), index('https://club.example', 'https://old.hosting.example'))).toMatchObject({ status: 'failing', detail: "WordPress's site URL is https://old.hosting.example" });
    expect(evaluateWordpressHome('club.example', answer(301, '', { location: 'https://gardeners.hosting.example/' }), index('x'))).toMatchObject({ status: 'failing', fix: { current: 'https://gardeners.hosting.example', expected: 'https://club.example' } });
  });
});

describe('readiness: XMPP', () => {
  it('says how far the stream got and what to change', () => {
    expect(evaluateXmpp('client', 'club.example', 'host:5222', { stage: 'connect', ok: false, message: 'ECONNREFUSED' }, now)).toMatchObject({ check: 'xmpp.c2s', status: 'failing', fix: { current: 'no answer at host:5222' } });
    expect(evaluateXmpp('server', 'club.example', 'host:5269', { stage: 'stream', ok: false, streamError: 'host-unknown' }, now)).toMatchObject({ check: 'xmpp.s2s', fix: { current: 'stream error host-unknown', expected: 'an XMPP server that hosts club.example' } });
    expect(evaluateXmpp('client', 'club.example', 'h:1', { stage: 'starttls', ok: false, starttlsOffered: false }, now)).toMatchObject({ fix: { current: 'no STARTTLS', expected: 'STARTTLS offered' } });
    expect(evaluateXmpp('client', 'club.example', 'h:1', { stage: 'tls', ok: false, tls: { ok: false, stage: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: '' } }, now)).toMatchObject({ fix: { current: 'a self-signed certificate' } });
    expect(evaluateXmpp('client', 'club.example', 'h:1', { stage: 'done', ok: true, tls: { ok: true, certificate: certificate(30) } }, now)).toMatchObject({ status: 'ok', detail: expect.stringContaining('valid until 2026-03-31') });
  });
});
