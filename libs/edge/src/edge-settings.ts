import { emailProblem, inputProblems, ValidationFailedError } from '#platform';
import { LABELS } from '#runtime';
import { dockerNameProblem, portProblem } from './host-names.js';

/** Who signs the edge's certificates. */
export type EdgeIssuer =
  /** Let's Encrypt or another ACME CA (production); `directoryUrl` defaults to Caddy's (Let's Encrypt). */
  | { kind: 'acme'; email: string; directoryUrl?: string }
  /** Caddy's own CA inside the edge (tests, `npm start`); its root comes from EdgeProxy.rootCertificate. */
  | { kind: 'internal' };

/** Settings that are the same on every Docker host (from the configuration). */
export interface EdgeOptions {
  issuer: EdgeIssuer;
  /** Docker name of the edge container on each host; its network has the same name, its volume `<name>-data` (default allmende-edge). */
  name?: string;
  /** Default allmende/caddy:2.6 (infra/images/build-caddy.sh). */
  image?: string;
  /** Strict-Transport-Security max-age on every HTTPS answer (default one year). */
  hstsMaxAgeSeconds?: number;
  /** Memory limit of the edge container (default 512 MiB). */
  memoryBytes?: number;
  /** Extra labels on the edge's container, volume and network (e.g. a test run's). */
  labels?: Record<string, string>;
  /** How long ensureEdge waits for the admin API after a (re)start (default 30 s). */
  readyTimeoutMs?: number;
  /** Timeout of one admin API call (default 60 s). */
  adminTimeoutMs?: number;
  /** More changes than this in one reconcile are applied as one configuration load (default 10). */
  fullLoadAbove?: number;
}

export type ResolvedEdgeOptions = Required<Omit<EdgeOptions, 'labels'>> & { labels: Record<string, string> };

/** Settings of one Docker host: where its edge is published. */
export interface EdgeHostSettings {
  /** Host address the edge's ports bind to: the host's public address (127.0.0.1 in tests and on `npm start`). */
  publishIp: string;
  /** Host port for HTTP (80 in production). */
  httpPort: number;
  /** Host port for HTTPS (443 in production); redirects from HTTP name it when it is not 443. */
  httpsPort: number;
}

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:]*)$/;

export function resolveEdgeOptions(options: EdgeOptions): ResolvedEdgeOptions {
  const problems: Record<string, string> = {};
  const issuer = options.issuer;
  if (issuer?.kind === 'acme') {
    const email = emailProblem(issuer.email ?? '');
    if (email) problems['issuer.email'] = email;
    if (issuer.directoryUrl !== undefined && !isHttpsUrl(issuer.directoryUrl)) problems['issuer.directoryUrl'] = 'must be an https URL without braces, backslashes or spaces';
  } else if (issuer?.kind !== 'internal') {
    problems['issuer.kind'] = 'must be "acme" or "internal"';
  }
  const resolved: ResolvedEdgeOptions = {
    issuer,
    name: options.name ?? 'allmende-edge',
    image: options.image ?? 'allmende/caddy:2.6',
    hstsMaxAgeSeconds: options.hstsMaxAgeSeconds ?? 31_536_000,
    memoryBytes: options.memoryBytes ?? 512 * 1024 * 1024,
    labels: { ...(options.labels ?? {}) },
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    adminTimeoutMs: options.adminTimeoutMs ?? 60_000,
    fullLoadAbove: options.fullLoadAbove ?? 10,
  };
  const name = dockerNameProblem(resolved.name);
  if (name || resolved.name.length > 60) problems.name = name ?? 'must be at most 60 characters';
  if (!/^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$/.test(resolved.image)) problems.image = 'must be an image reference such as allmende/caddy:2.6';
  if (!Number.isSafeInteger(resolved.hstsMaxAgeSeconds) || resolved.hstsMaxAgeSeconds < 0) problems.hstsMaxAgeSeconds = 'must be a whole number of seconds';
  if (!Number.isSafeInteger(resolved.memoryBytes) || resolved.memoryBytes < 64 * 1024 * 1024) problems.memoryBytes = 'must be at least 64 MiB';
  for (const field of ['readyTimeoutMs', 'adminTimeoutMs', 'fullLoadAbove'] as const) {
    if (!Number.isSafeInteger(resolved[field]) || resolved[field] <= 0) problems[field] = 'must be a positive whole number';
  }
  const ownership: string[] = Object.values(LABELS);
  for (const key of Object.keys(resolved.labels)) {
    if (ownership.includes(key)) problems[`labels.${key}`] = 'is an ownership label, set by the edge itself';
  }
  if (Object.keys(problems).length) throw new ValidationFailedError(inputProblems(problems), `Edge options: ${describe(problems)}`);
  return resolved;
}

export function checkHostSettings(host: EdgeHostSettings): void {
  const problems: Record<string, string> = {};
  if (typeof host?.publishIp !== 'string' || !IP.test(host.publishIp)) problems.publishIp = 'must be an IP address, e.g. 127.0.0.1 or the host\'s public address';
  const http = portProblem(host?.httpPort);
  if (http) problems.httpPort = http;
  const https = portProblem(host?.httpsPort);
  if (https) problems.httpsPort = https;
  if (!http && !https && host.httpPort === host.httpsPort) problems.httpsPort = 'must differ from httpPort';
  if (Object.keys(problems).length) throw new ValidationFailedError(inputProblems(problems), `Edge host settings: ${describe(problems)}`);
}

/** Caddy expands {placeholders} in the issuer's fields: braces, backslashes and spaces are refused. */
function isHttpsUrl(value: string): boolean {
  if (typeof value !== 'string' || /[{}\\\s]/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && !url.username && !url.password;
  } catch {
    return false;
  }
}

function describe(problems: Record<string, string>): string {
  return Object.entries(problems).map(([field, problem]) => `${field} ${problem}`).join('; ');
}
