import { createHash } from 'node:crypto';
import { Agent, request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { DeploymentPlan, PlannedContainer } from '#runtime';

// Fixtures for the edge proxy's end-to-end tests: "tenants" made of busybox httpd containers
// applied through the runtime like real apps, and HTTPS requests verified against the edge's CA.

export const BUSYBOX = 'allmende/busybox:1';
export const CADDY = 'allmende/caddy:2.6';
const MiB = 1024 * 1024;

// Serves $GREETING at / and at /http-bind/ (a path a Prosody-like route can claim).
const HTTPD =
  'mkdir -p /tmp/www/http-bind && echo "$GREETING" > /tmp/www/index.html && echo "$GREETING" > /tmp/www/http-bind/index.html && exec httpd -f -p 8080 -h /tmp/www';

export interface FixtureTenant {
  id: string;
  slug: string;
}

/** A tenant's app of busybox web servers: each service answers "hello from <greeting>". */
export function webPlan(tenant: FixtureTenant, app: string, services: { service: string; greeting: string }[], labels: Record<string, string>): DeploymentPlan {
  const containers: PlannedContainer[] = services.map(({ service, greeting }) => ({
    service,
    name: `alm-${tenant.slug}-${app}-${service}`,
    image: BUSYBOX,
    command: ['sh', '-c', HTTPD],
    env: { GREETING: `hello from ${greeting}` },
    labels: { ...labels },
    mounts: [],
    ports: [],
    healthcheck: { test: ['CMD', 'busybox', 'wget', '-q', '-O-', 'http://127.0.0.1:8080/'], intervalSeconds: 1, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 0 },
    resources: { memoryBytes: 32 * MiB, nanoCpus: 250_000_000, pidsLimit: 32 },
    // no capabilities; the root stays writable for the httpd's /tmp/www
    capabilities: [],
    readOnlyRootFilesystem: false,
    tmpfs: [],
    restartPolicy: 'unless-stopped',
    oneShot: false,
    dependsOn: [],
  }));
  const body: Omit<DeploymentPlan, 'hash'> = {
    tenant: { id: tenant.id, slug: tenant.slug },
    app,
    version: '1',
    network: { name: `alm-${tenant.slug}`, labels: { ...labels } },
    volumes: [],
    containers,
    hooks: { firstStart: [], backup: [], upgrade: [] },
  };
  return { ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
}

export interface EdgeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  certificate?: PeerCertificate;
}

/**
 * GET https://<hostName><path> through the edge's published port on 127.0.0.1, with SNI and
 * Host set to the name and the certificate verified against `ca` (never skipped).
 */
export function edgeHttps(port: number, hostName: string, path: string, ca: string, agent: Agent | false = false): Promise<EdgeResponse> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      // Host with the port unless it is 443, as a browser sends it (Caddy matches the name alone; WordPress compares all of it)
      { host: '127.0.0.1', port, path, servername: hostName, headers: { Host: port === 443 ? hostName : `${hostName}:${port}` }, ca, agent, timeout: 15_000 },
      (res) => {
        const certificate = (res.socket as TLSSocket).getPeerCertificate?.();
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), certificate }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${hostName}${path}`)));
    // whether the request went out on a kept-alive connection the server may have closed meanwhile
    req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
    req.end();
  });
}

/** GET http://<hostName><path> through the edge's published HTTP port. */
export function edgeHttp(port: number, hostName: string, path: string): Promise<EdgeResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: hostName }, agent: false, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${hostName}${path}`)));
    req.on('error', reject);
    req.end();
  });
}

/** The error a request ends with (e.g. a refused TLS handshake). */
export async function failureOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the request to fail');
}
