import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type DetailedPeerCertificate, type PeerCertificate, type TLSSocket } from 'node:tls';

// The probes: I/O only. Each connects to an address the caller chose (one of the tenant's own
// host addresses), sends the server name it checks (SNI, Host, the XMPP stream's "to"), verifies
// TLS against the trust the caller gives (never with verification off) and reports what it saw.
// Deciding what that means is evaluate.ts's job.

export interface Endpoint {
  address: string;
  port: number;
}

export interface ProbeOptions {
  /** PEM roots to trust instead of Node's bundled ones (e.g. the edge's internal CA); undefined: the public roots. */
  ca?: string[];
  timeoutMs: number;
}

export interface CertificateFacts {
  /** DNS names it covers ("DNS:" entries of the subjectAltName). */
  names: string[];
  validFrom: Date;
  validTo: Date;
  issuer: string;
}

/** A verified TLS session, or why there was none: where it failed and the error code. */
export type TlsOutcome =
  | { ok: true; certificate: CertificateFacts; alpn?: string | false }
  | { ok: false; stage: 'connect' | 'tls'; code: string; message: string; presentedNames?: string[] };

const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Names reach TLS, HTTP headers and XML only after this check: lower-case ASCII host names. */
function assertHostName(name: string): void {
  if (!HOST_NAME.test(name) || name.length > 253) throw new Error(`not a host name: ${JSON.stringify(name)}`);
}

export function certificateFacts(certificate: PeerCertificate): CertificateFacts {
  const names = (certificate.subjectaltname ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
  const issuer = certificate.issuer ? (certificate.issuer.O ?? certificate.issuer.CN ?? '') : '';
  return { names, validFrom: new Date(certificate.valid_from), validTo: new Date(certificate.valid_to), issuer: Array.isArray(issuer) ? issuer.join(' ') : issuer };
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

function tlsFailure(error: NodeJS.ErrnoException & { cert?: PeerCertificate }, connected: boolean): TlsOutcome {
  const code = error.code ?? 'ERR_TLS';
  const stage = !connected && CONNECT_CODES.has(code) ? 'connect' : 'tls';
  return { ok: false, stage, code, message: error.message, presentedNames: error.cert ? certificateFacts(error.cert).names : undefined };
}

/** Wraps a socket (new, or an existing one after STARTTLS) in verified TLS for `serverName`. */
function secure(serverName: string, options: ProbeOptions, connection: { endpoint: Endpoint } | { socket: Socket }, alpn?: string[]): Promise<{ outcome: TlsOutcome; socket: TLSSocket }> {
  assertHostName(serverName);
  return new Promise((resolve) => {
    const raw = 'socket' in connection;
    const socket = tlsConnect({
      ...('socket' in connection ? { socket: connection.socket } : { host: connection.endpoint.address, port: connection.endpoint.port }),
      servername: serverName,
      ca: options.ca,
      rejectUnauthorized: true,
      ALPNProtocols: alpn,
    });
    let connected = raw;
    let settled = false;
    const finish = (outcome: TlsOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ outcome, socket });
    };
    const timer = setTimeout(() => {
      finish({ ok: false, stage: connected ? 'tls' : 'connect', code: 'ETIMEDOUT', message: `no answer within ${options.timeoutMs} ms` });
      socket.destroy();
    }, options.timeoutMs);
    socket.once('connect', () => (connected = true));
    socket.once('secureConnect', () => finish({ ok: true, certificate: certificateFacts(socket.getPeerCertificate() as DetailedPeerCertificate), alpn: socket.alpnProtocol ?? false }));
    socket.once('error', (error) => finish(tlsFailure(error, connected)));
  });
}

/** Codes that are a verdict on the certificate (not worth asking again). */
const CERTIFICATE_VERDICTS = /CERT|SELF_SIGNED|ALTNAME|ISSUER|LEAF_SIGNATURE/;

/**
 * A TLS handshake with `serverName` at `endpoint`, verified; the certificate's names and dates.
 * A handshake the server broke off for another reason is tried once more after a second: an
 * edge obtaining a certificate on demand may fail the very first one.
 */
export async function probeTls(endpoint: Endpoint, serverName: string, options: ProbeOptions, alpn?: string[]): Promise<TlsOutcome> {
  for (let attempt = 1; ; attempt++) {
    const { outcome, socket } = await secure(serverName, options, { endpoint }, alpn);
    socket.destroy();
    if (outcome.ok || outcome.stage !== 'tls' || CERTIFICATE_VERDICTS.test(outcome.code) || attempt === 2) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** At most the first 256 KiB, as UTF-8. */
  body: string;
}

export type HttpOutcome = { ok: true; answer: HttpAnswer } | { ok: false; code: string; message: string; presentedNames?: string[] };

const MAX_BODY = 256 * 1024;

/**
 * One GET of `path` on `host` at `endpoint` (http, or https verified for `host`); redirects are
 * not followed: they are what some checks look at.
 */
export function httpGet(scheme: 'http' | 'https', endpoint: Endpoint, host: string, path: string, options: ProbeOptions): Promise<HttpOutcome> {
  assertHostName(host);
  if (!path.startsWith('/') || /[\s\r\n]/.test(path)) throw new Error(`not a request path: ${JSON.stringify(path)}`);
  return new Promise((resolve) => {
    const common = {
      host: endpoint.address,
      port: endpoint.port,
      path,
      method: 'GET',
      agent: false as const,
      headers: { Host: host, Accept: 'application/json, application/jrd+json, application/xrd+xml, text/html;q=0.5, */*;q=0.1', 'User-Agent': 'Allmende-readiness/1' },
    };
    let settled = false;
    const finish = (outcome: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const onResponse = (response: import('node:http').IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY) chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY) response.destroy();
      });
      const done = () => finish({ ok: true, answer: { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) } });
      response.on('end', done);
      response.on('close', done);
    };
    const request = scheme === 'https'
      ? httpsRequest({ ...common, servername: host, ca: options.ca, rejectUnauthorized: true }, onResponse)
      : httpRequest(common, onResponse);
    const timer = setTimeout(() => {
      finish({ ok: false, code: 'ETIMEDOUT', message: `no answer within ${options.timeoutMs} ms` });
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException & { cert?: PeerCertificate }) =>
      finish({ ok: false, code: error.code ?? 'ERR_HTTP', message: error.message, presentedNames: error.cert ? certificateFacts(error.cert).names : undefined }),
    );
    request.end();
  });
}

/** What an XMPP server did with our stream: how far it got, and the TLS outcome after STARTTLS. */
export interface XmppOutcome {
  stage: 'connect' | 'stream' | 'starttls' | 'tls' | 'done';
  ok: boolean;
  /** A stream error the server sent (e.g. host-unknown). */
  streamError?: string;
  starttlsOffered?: boolean;
  tls?: TlsOutcome;
  message?: string;
}

/** Reads a socket's text until patterns appear (the few stanzas a probe needs, not an XML parser). */
class StanzaReader {
  private text = '';
  private waiting?: { pattern: RegExp; resolve: (match: RegExpMatchArray | null) => void };
  private closed = false;

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onClose);
  }

  private readonly onData = (chunk: Buffer) => {
    this.text += chunk.toString('utf8');
    if (this.text.length > 64 * 1024) this.text = this.text.slice(-64 * 1024);
    this.check();
  };

  private readonly onClose = () => {
    this.closed = true;
    this.check();
  };

  private check(): void {
    if (!this.waiting) return;
    const match = this.text.match(this.waiting.pattern);
    if (match) {
      this.text = this.text.slice((match.index ?? 0) + match[0].length);
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve(match);
    } else if (this.closed) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve(null);
    }
  }

  /** The first match of `pattern` in what arrives, or null on close or deadline. */
  until(pattern: RegExp, deadline: number): Promise<RegExpMatchArray | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve(null);
      }, Math.max(0, deadline - Date.now()));
      this.waiting = { pattern, resolve: (match) => (clearTimeout(timer), resolve(match)) };
      this.check();
    });
  }

  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    this.socket.off('error', this.onClose);
  }
}

const FEATURES = /<stream:features[\s\S]*?<\/stream:features>|<stream:features[^>]*\/>/;
const STREAM_ERROR = /<stream:error>\s*<([a-z-]+)/;
const FEATURES_OR_ERROR = new RegExp(`${FEATURES.source}|${STREAM_ERROR.source}`);

/**
 * An XMPP stream to `domain` at `endpoint` (c2s: jabber:client, s2s: jabber:server): stream
 * header, features, STARTTLS, then TLS verified for `domain`, then a second stream header
 * over TLS (the server must still answer). No login, no dialback: nothing is changed.
 */
export async function probeXmpp(endpoint: Endpoint, domain: string, kind: 'client' | 'server', options: ProbeOptions): Promise<XmppOutcome> {
  assertHostName(domain);
  const deadline = Date.now() + options.timeoutMs;
  const header = `<?xml version='1.0'?><stream:stream to='${domain}' version='1.0' xml:lang='en' xmlns='jabber:${kind}' xmlns:stream='http://etherx.jabber.org/streams'>`;
  const socket = netConnect({ host: endpoint.address, port: endpoint.port });
  try {
    const connected = await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve('ETIMEDOUT'), options.timeoutMs);
      socket.once('connect', () => (clearTimeout(timer), resolve(null)));
      socket.once('error', (error: NodeJS.ErrnoException) => (clearTimeout(timer), resolve(error.code ?? error.message)));
    });
    if (connected) return { stage: 'connect', ok: false, message: connected };
    const reader = new StanzaReader(socket);
    socket.write(header);
    const features = await reader.until(FEATURES_OR_ERROR, deadline);
    if (!features) return { stage: 'stream', ok: false, message: 'no stream features before the connection closed or the time ran out' };
    const streamError = features[0].match(STREAM_ERROR)?.[1];
    if (streamError) return { stage: 'stream', ok: false, streamError };
    const starttlsOffered = /<starttls[^>]*urn:ietf:params:xml:ns:xmpp-tls/.test(features[0]);
    if (!starttlsOffered) return { stage: 'starttls', ok: false, starttlsOffered };
    socket.write(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
    const proceed = await reader.until(/<proceed[^>]*\/>|<proceed[^>]*>\s*<\/proceed>|<failure[^>]*urn:ietf:params:xml:ns:xmpp-tls/, deadline);
    if (!proceed || !proceed[0].startsWith('<proceed')) return { stage: 'starttls', ok: false, starttlsOffered, message: proceed ? 'the server refused STARTTLS' : 'no answer to STARTTLS' };
    reader.detach();
    const { outcome, socket: tls } = await secure(domain, { ...options, timeoutMs: Math.max(1, deadline - Date.now()) }, { socket });
    if (!outcome.ok) {
      tls.destroy();
      return { stage: 'tls', ok: false, starttlsOffered, tls: outcome };
    }
    const secured = new StanzaReader(tls as unknown as Socket);
    tls.write(header);
    const again = await secured.until(FEATURES_OR_ERROR, deadline);
    tls.end('</stream:stream>');
    tls.destroy();
    if (!again) return { stage: 'tls', ok: false, starttlsOffered, tls: outcome, message: 'no stream features over TLS' };
    const errorAfterTls = again[0].match(STREAM_ERROR)?.[1];
    if (errorAfterTls) return { stage: 'tls', ok: false, starttlsOffered, tls: outcome, streamError: errorAfterTls };
    return { stage: 'done', ok: true, starttlsOffered, tls: outcome };
  } finally {
    socket.destroy();
  }
}
