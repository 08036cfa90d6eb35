import type { ExecResult } from '#runtime';
import { EDGE_IMAGE, type Json } from './edge-config.js';
import { EdgeError } from './edge-errors.js';

// Talking to Caddy's admin API inside the edge container: curl on the unix socket, run with
// docker exec as an argv array; request bodies are JSON.stringify'd objects on stdin. Pure:
// the argv and the reading of curl's answer.

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AdminRequest {
  method: AdminMethod;
  /** e.g. /config/, /id/site-<tenant>, /pki/ca/local */
  path: string;
  body?: Json;
  /** An Etag the admin API gave: the change only happens if the config is still the same (else 412). */
  ifMatch?: string;
}

export interface AdminResponse {
  status: number;
  /** Header names lower-cased; the Etag arrives as a trailer and is included. */
  headers: Record<string, string>;
  body: string;
}

/** Admin API paths we use: fixed prefixes and @ids made of checked names; nothing else gets through. */
const ADMIN_PATH = /^\/(config\/[A-Za-z0-9/_.@-]*|id\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*|load|pki\/ca\/local)$/;
const ETAG = /^"\/[A-Za-z0-9/_.@-]* [0-9a-f]+"$/;

/** curl's argv for one admin request. The headers go to stderr (-D), the answer's body to stdout. */
export function adminArgv(request: AdminRequest, timeoutSeconds: number): string[] {
  if (!ADMIN_PATH.test(request.path) || request.path.split('/').some((segment) => /^\.+$/.test(segment))) throw new Error(`Refusing admin API path ${JSON.stringify(request.path)}`);
  if (request.ifMatch !== undefined && !ETAG.test(request.ifMatch)) throw new Error(`Refusing If-Match value ${JSON.stringify(request.ifMatch)}`);
  return [
    'curl',
    '--silent',
    '--show-error',
    '--unix-socket',
    EDGE_IMAGE.adminSocket,
    // over a socket Caddy answers only requests whose Host header is present and empty
    '-H',
    'Host: ',
    // no "Expect: 100-continue" round trip for big bodies
    '-H',
    'Expect:',
    '--max-time',
    String(Math.max(1, Math.ceil(timeoutSeconds))),
    '--request',
    request.method,
    '--dump-header',
    '/dev/stderr',
    ...(request.body !== undefined ? ['-H', 'Content-Type: application/json', '--data-binary', '@-'] : []),
    ...(request.ifMatch !== undefined ? ['-H', `If-Match: ${request.ifMatch}`] : []),
    `http://localhost${request.path}`,
  ];
}

/** The body to write to curl's stdin (serialised objects, never text pasted together). */
export function adminStdin(request: AdminRequest): Buffer | undefined {
  return request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), 'utf8');
}

/**
 * Reads curl's result: a non-zero exit means the socket did not answer (Caddy not up);
 * otherwise the status line and headers (trailers included) from the header dump.
 */
export function parseAdminResponse(request: AdminRequest, result: ExecResult): AdminResponse {
  const headerDump = result.stderr;
  if (result.exitCode !== 0) {
    const why = headerDump.split('\n').filter((line) => line.startsWith('curl:')).join(' ').trim() || `curl exited with ${result.exitCode}`;
    throw new EdgeError('edge.unavailable', `Edge admin API did not answer ${request.method} ${request.path}: ${why}`);
  }
  let status = 0;
  const headers: Record<string, string> = {};
  for (const line of headerDump.split(/\r?\n/)) {
    const statusLine = /^HTTP\/[0-9.]+ (\d{3})/.exec(line);
    if (statusLine) {
      status = Number(statusLine[1]);
      continue;
    }
    const header = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
    if (header) headers[header[1].toLowerCase()] = header[2].trim();
  }
  if (status === 0) throw new EdgeError('edge.unavailable', `Edge admin API gave no HTTP answer to ${request.method} ${request.path}`);
  if (/^\[\d+ bytes dropped\]\n/.test(result.stdout)) {
    throw new EdgeError('edge.admin_refused', `Edge admin API answer to ${request.method} ${request.path} was larger than the exec output limit`);
  }
  return { status, headers, body: result.stdout };
}

/** Caddy's error message from an error answer ({"error": "..."}), or the raw body. */
export function adminErrorMessage(response: AdminResponse): string {
  try {
    const parsed = JSON.parse(response.body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON
  }
  return response.body.trim().slice(0, 500) || '(no message)';
}
