import type { CheckResult } from '../check-result.js';
import type { CertificateFacts, HttpOutcome, TlsOutcome, XmppOutcome } from './probes.js';

// What the probes saw, judged: one CheckResult each, saying exactly what to change. Pure.

const DAY = 86_400_000;

/** Why a TLS session failed, in words, and the fix ("current ... expected ..."). */
export function tlsProblem(domain: string, failure: { code: string; message: string; presentedNames?: string[] }, what: string): Pick<CheckResult, 'detail' | 'fix'> {
  const expected = `a certificate for ${domain} from a trusted authority`;
  switch (failure.code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return { detail: `${what} shows a self-signed certificate, which no client trusts`, fix: { current: 'a self-signed certificate', expected } };
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return { detail: `${what} shows a certificate from an authority that is not trusted (or without its intermediate certificates)`, fix: { current: 'a certificate from an untrusted authority', expected } };
    case 'CERT_HAS_EXPIRED':
      return { detail: `${what} shows an expired certificate`, fix: { current: 'an expired certificate', expected: `a valid ${expected.slice(2)}` } };
    case 'CERT_NOT_YET_VALID':
      return { detail: `${what} shows a certificate that is not valid yet (check the server's clock)`, fix: { current: 'a certificate not valid yet', expected } };
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const names = failure.presentedNames?.length ? failure.presentedNames.join(', ') : 'other names';
      return { detail: `${what} shows a certificate for ${names}, which does not cover ${domain}`, fix: { current: `a certificate for ${names}`, expected: `a certificate that covers ${domain}` } };
    }
    case 'ETIMEDOUT':
      return { detail: `${what} did not finish the TLS handshake in time`, fix: { current: 'no TLS handshake', expected } };
    default:
      return { detail: `${what} ended the TLS handshake (${failure.code}): it has no certificate for ${domain}`, fix: { current: `handshake failed: ${failure.code}`, expected } };
  }
}

/** Days left, and a warning when less than a third of its life (at most 14 days) is left. */
export function expiryStatus(certificate: CertificateFacts, now: Date): { status: 'ok' | 'warning' | 'failing'; daysLeft: number } {
  const left = certificate.validTo.getTime() - now.getTime();
  const lifetime = certificate.validTo.getTime() - certificate.validFrom.getTime();
  const daysLeft = Math.floor(left / DAY);
  if (left <= 0) return { status: 'failing', daysLeft };
  return { status: left < Math.min(14 * DAY, lifetime / 3) ? 'warning' : 'ok', daysLeft };
}

const validUntil = (certificate: CertificateFacts) => certificate.validTo.toISOString().slice(0, 10);

/** https.certificate: a verified certificate for the name, and how long it is valid. */
export function evaluateCertificate(domain: string, outcome: TlsOutcome, now: Date): CheckResult {
  const check = 'https.certificate';
  if (!outcome.ok) {
    if (outcome.stage === 'connect') return { check, subject: domain, status: 'failing', detail: `nothing answers HTTPS for ${domain} (${outcome.code})`, fix: { current: `no answer on port 443 (${outcome.code})`, expected: 'the edge proxy answering HTTPS' } };
    return { check, subject: domain, status: 'failing', ...tlsProblem(domain, outcome, `HTTPS for ${domain}`) };
  }
  const { status, daysLeft } = expiryStatus(outcome.certificate, now);
  const detail = `the certificate for ${domain} is valid until ${validUntil(outcome.certificate)} (${daysLeft} days left)`;
  if (status === 'ok') return { check, subject: domain, status, detail };
  return { check, subject: domain, status, detail: `${detail}: it should have been renewed by now`, fix: { current: `valid until ${validUntil(outcome.certificate)}`, expected: 'a renewed certificate' } };
}

const redirectTarget = (location: string | undefined): URL | null => {
  try {
    return location ? new URL(location) : null;
  } catch {
    return null;
  }
};

/** http.redirect: plain HTTP answers with a redirect to the same name over HTTPS. */
export function evaluateRedirect(domain: string, outcome: HttpOutcome): CheckResult {
  const check = 'http.redirect';
  const expected = `a redirect (301 or 308) to https://${domain}/`;
  if (!outcome.ok) return { check, subject: domain, status: 'failing', detail: `nothing answers plain HTTP for ${domain} (${outcome.code}); visitors typing the name without https:// get an error`, fix: { current: `no answer (${outcome.code})`, expected } };
  const { status, headers } = outcome.answer;
  const target = redirectTarget(headers.location);
  if ([301, 302, 307, 308].includes(status) && target?.protocol === 'https:' && target.hostname === domain) {
    return { check, subject: domain, status: status === 301 || status === 308 ? 'ok' : 'warning', detail: `http://${domain}/ answers ${status} to ${target.href}` };
  }
  const current = target ? `${status} to ${target.href}` : `${status} without a redirect`;
  return { check, subject: domain, status: 'failing', detail: `http://${domain}/ answers ${current}`, fix: { current, expected } };
}

const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function httpTrouble(check: string, subject: string, what: string, outcome: Extract<HttpOutcome, { ok: false }>): CheckResult {
  if (/CERT|SELF_SIGNED|ALTNAME|ISSUER/.test(outcome.code)) return { check, subject, status: 'failing', ...tlsProblem(subject, outcome, what) };
  return { check, subject, status: 'failing', detail: `${what} did not answer (${outcome.code})`, fix: { current: `no answer (${outcome.code})`, expected: `${what} answering` } };
}

/**
 * mastodon.webfinger on the handle domain (LOCAL_DOMAIN): a JRD for the instance actor, or,
 * when the web domain differs, a 301 to the same URL on the web domain with CORS "*".
 */
export function evaluateWebfinger(localDomain: string, webDomain: string, path: string, outcome: HttpOutcome): CheckResult {
  const check = 'mastodon.webfinger';
  const what = `https://${localDomain}${path}`;
  if (!outcome.ok) return httpTrouble(check, localDomain, what, outcome);
  const { status, headers, body } = outcome.answer;
  const cors = headers['access-control-allow-origin'];
  if (localDomain !== webDomain) {
    const target = redirectTarget(headers.location);
    const expected = `301 to https://${webDomain}${path} with Access-Control-Allow-Origin: *`;
    if (status === 301 && target?.hostname === webDomain && target.protocol === 'https:' && `${target.pathname}${target.search}` === path && cors === '*') {
      return { check, subject: localDomain, status: 'ok', detail: `${what} redirects to ${webDomain}, readable from any origin` };
    }
    const current = `${status}${target ? ` to ${target.href}` : ''}${cors === '*' ? '' : ', without Access-Control-Allow-Origin: *'}`;
    return { check, subject: localDomain, status: 'failing', detail: `${what} answers ${current}`, fix: { current, expected } };
  }
  const document = parseJson(body);
  if (status !== 200 || !isObject(document) || typeof document.subject !== 'string') {
    return { check, subject: localDomain, status: 'failing', detail: `${what} answers ${status} without a WebFinger document`, fix: { current: `${status}${document === undefined ? ', not JSON' : ''}`, expected: '200 with a JSON resource descriptor (subject, links)' } };
  }
  if (cors !== '*') return { check, subject: localDomain, status: 'warning', detail: `${what} answers without Access-Control-Allow-Origin: *; web clients of other servers cannot read it`, fix: { current: cors ? `Access-Control-Allow-Origin: ${cors}` : 'no Access-Control-Allow-Origin', expected: 'Access-Control-Allow-Origin: *' } };
  return { check, subject: localDomain, status: 'ok', detail: `${what} answers with ${document.subject}` };
}

/** mastodon.host-meta: the XRD whose lrdd template points at WebFinger on the web domain. */
export function evaluateHostMeta(domain: string, webDomain: string, outcome: HttpOutcome): CheckResult {
  const check = 'mastodon.host-meta';
  const what = `https://${domain}/.well-known/host-meta`;
  if (!outcome.ok) return httpTrouble(check, domain, what, outcome);
  const { status, body, headers } = outcome.answer;
  const expectedTemplate = `https://${webDomain}/.well-known/webfinger?resource={uri}`;
  if (status === 301 && domain !== webDomain && redirectTarget(headers.location)?.hostname === webDomain) {
    return { check, subject: domain, status: 'ok', detail: `${what} redirects to ${webDomain}` };
  }
  const template = body.match(/template=["']([^"']+)["']/)?.[1]?.replace(/&amp;/g, '&');
  if (status === 200 && template === expectedTemplate) return { check, subject: domain, status: 'ok', detail: `${what} points WebFinger at ${webDomain}` };
  const current = status !== 200 ? `${status}` : template ? `template ${template}` : 'no lrdd template';
  return { check, subject: domain, status: 'failing', detail: `${what} answers ${current}`, fix: { current, expected: `200 with the template ${expectedTemplate}` } };
}

const NODEINFO_SCHEMA = /^http:\/\/nodeinfo\.diaspora\.software\/ns\/schema\/2\.[01]$/;

/** The NodeInfo document's URL from /.well-known/nodeinfo, when it is on the web domain. */
export function nodeinfoLink(webDomain: string, outcome: HttpOutcome): string | null {
  if (!outcome.ok || outcome.answer.status !== 200) return null;
  const index = parseJson(outcome.answer.body);
  const links = isObject(index) && Array.isArray(index.links) ? index.links : [];
  const link = links.find((entry): entry is { rel: string; href: string } => isObject(entry) && typeof entry.rel === 'string' && NODEINFO_SCHEMA.test(entry.rel) && typeof entry.href === 'string');
  const url = redirectTarget(link?.href);
  return url && url.protocol === 'https:' && url.hostname === webDomain ? `${url.pathname}${url.search}` : null;
}

/** mastodon.nodeinfo: the index links a NodeInfo 2.x document on the web domain, and it names its software. */
export function evaluateNodeinfo(webDomain: string, index: HttpOutcome, document: HttpOutcome | null): CheckResult {
  const check = 'mastodon.nodeinfo';
  const what = `https://${webDomain}/.well-known/nodeinfo`;
  if (!index.ok) return httpTrouble(check, webDomain, what, index);
  if (!document) {
    return { check, subject: webDomain, status: 'failing', detail: `${what} answers ${index.answer.status} without a link to a NodeInfo 2.x document on ${webDomain}`, fix: { current: `${index.answer.status} without a NodeInfo 2.x link`, expected: `200 with links[].href https://${webDomain}/nodeinfo/2.0` } };
  }
  if (!document.ok) return httpTrouble(check, webDomain, `the NodeInfo document of ${webDomain}`, document);
  const body = parseJson(document.answer.body);
  const software = isObject(body) && isObject(body.software) ? body.software : undefined;
  if (document.answer.status !== 200 || typeof software?.name !== 'string') {
    return { check, subject: webDomain, status: 'failing', detail: `the NodeInfo document of ${webDomain} answers ${document.answer.status} without software.name`, fix: { current: `${document.answer.status}`, expected: '200 with a NodeInfo document (software.name, software.version)' } };
  }
  return { check, subject: webDomain, status: 'ok', detail: `${webDomain} runs ${software.name} ${typeof software.version === 'string' ? software.version : ''}`.trim() };
}

/** wordpress.home: WordPress's home and site URL (REST index) are the tenant's https address. */
export function evaluateWordpressHome(domain: string, root: HttpOutcome, index: HttpOutcome): CheckResult {
  const check = 'wordpress.home';
  const expected = `https://${domain}`;
  const subject = domain;
  if (!root.ok) return httpTrouble(check, subject, `https://${domain}/`, root);
  const moved = redirectTarget(root.answer.headers.location);
  if ([301, 302, 307, 308].includes(root.answer.status) && moved && moved.origin !== expected) {
    return { check, subject, status: 'failing', detail: `https://${domain}/ sends visitors to ${moved.origin}: WordPress's home URL is set to another address`, fix: { current: moved.origin, expected } };
  }
  if (!index.ok) return httpTrouble(check, subject, `https://${domain}/wp-json/`, index);
  const body = parseJson(index.answer.body);
  const home = isObject(body) && typeof body.home === 'string' ? body.home.replace(/\/$/, '') : undefined;
  const site = isObject(body) && typeof body.url === 'string' ? body.url.replace(/\/$/, '') : undefined;
  if (index.answer.status !== 200 || !home) {
    return { check, subject, status: 'failing', detail: `https://${domain}/wp-json/ answers ${index.answer.status} without WordPress's home URL`, fix: { current: `${index.answer.status}`, expected: '200 with the REST index (home, url)' } };
  }
  for (const [label, value] of [['home URL', home], ['site URL', site]] as const) {
    if (value !== undefined && value !== expected) return { check, subject, status: 'failing', detail: `WordPress's ${label} is ${value}`, fix: { current: value, expected } };
  }
  return { check, subject, status: 'ok', detail: `WordPress's home URL is ${expected}` };
}

/** xmpp.c2s / xmpp.s2s: the server answers the stream, offers STARTTLS and shows a certificate that covers the domain. */
export function evaluateXmpp(kind: 'client' | 'server', domain: string, where: string, outcome: XmppOutcome, now: Date): CheckResult {
  const check = kind === 'client' ? 'xmpp.c2s' : 'xmpp.s2s';
  const who = kind === 'client' ? 'clients' : 'other servers';
  const what = `XMPP for ${who} at ${where}`;
  switch (outcome.stage) {
    case 'connect':
      return { check, subject: domain, status: 'failing', detail: `nothing answers ${what} (${outcome.message})`, fix: { current: `no answer at ${where}`, expected: `Prosody answering ${who} for ${domain}` } };
    case 'stream':
      return {
        check, subject: domain, status: 'failing',
        detail: outcome.streamError ? `${what} refuses the stream for ${domain} (${outcome.streamError})` : `${what} does not answer like an XMPP server (${outcome.message})`,
        fix: { current: outcome.streamError ? `stream error ${outcome.streamError}` : 'no XMPP stream', expected: `an XMPP server that hosts ${domain}` },
      };
    case 'starttls':
      return { check, subject: domain, status: 'failing', detail: `${what} does not offer encryption (STARTTLS)${outcome.message ? `: ${outcome.message}` : ''}`, fix: { current: 'no STARTTLS', expected: 'STARTTLS offered' } };
    case 'tls':
      if (outcome.tls && !outcome.tls.ok) return { check, subject: domain, status: 'failing', ...tlsProblem(domain, outcome.tls, what) };
      return { check, subject: domain, status: 'failing', detail: `${what} stops answering after STARTTLS (${outcome.streamError ?? outcome.message})`, fix: { current: 'no stream after TLS', expected: `an XMPP server that hosts ${domain}` } };
    case 'done': {
      const certificate = outcome.tls?.ok ? outcome.tls.certificate : undefined;
      if (!certificate) return { check, subject: domain, status: 'failing', detail: `${what}: no certificate seen` };
      const { status, daysLeft } = expiryStatus(certificate, now);
      const detail = `${what} offers STARTTLS with a certificate for ${domain} valid until ${validUntil(certificate)} (${daysLeft} days left)`;
      return status === 'ok' ? { check, subject: domain, status, detail } : { check, subject: domain, status, detail: `${detail}: renew it`, fix: { current: `valid until ${validUntil(certificate)}`, expected: 'a renewed certificate' } };
    }
  }
}
