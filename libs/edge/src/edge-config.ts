import type { EdgeHostSettings, EdgeIssuer, ResolvedEdgeOptions } from './edge-settings.js';

// The edge's Caddy configuration as plain objects (sent as JSON through the admin API): the
// base that every edge has, and how the per-tenant objects are put into it. Pure.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Fixed facts of the allmende/caddy:2.6 image (infra/images/build-caddy.sh). */
export const EDGE_IMAGE = {
  /** Unprivileged ports inside the container; the host's 80/443 are published onto them. */
  httpPort: 8080,
  httpsPort: 8443,
  /** The on-demand TLS "ask" endpoint: loopback of the edge's own network namespace only. */
  allowAddress: '127.0.0.1:8081',
  adminSocket: '/run/caddy/admin.sock',
  /** The named volume: certificates and the internal CA in data/, the autosaved config in config/. */
  volumeTarget: '/var/lib/caddy',
  dataDir: '/var/lib/caddy/data',
  bootstrapConfig: '/etc/caddy/allmende-bootstrap.json',
  /** uid and gid of the image's caddy user (the admin socket's tmpfs belongs to it). */
  uid: 990,
} as const;

/** Where Caddy keeps what it issued: <dataDir>/certificates/<issuer>/<host>/<host>.{crt,key}. */
export const CERTIFICATES_DIR = `${EDGE_IMAGE.dataDir}/certificates`;
export const INTERNAL_ROOT_CERTIFICATE = `${EDGE_IMAGE.dataDir}/pki/authorities/local/root.crt`;

/** @ids of the base objects; tenant objects are "site-<tenant>" and "allow-<tenant>", so they never collide with these. */
export const BASE_IDS = {
  hsts: 'allmende-hsts',
  sites: 'allmende-sites',
  proxy: 'allmende-proxy',
  notFound: 'allmende-not-found',
  redirect: 'allmende-https-redirect',
  allowList: 'allmende-allow-list',
  refuse: 'allmende-refuse',
} as const;

/** The lists the tenant objects live in, and the admin API paths that append to them. */
export const LISTS = {
  sites: { server: 'https', containerId: BASE_IDS.sites, appendPath: `/id/${BASE_IDS.sites}/handle/0/routes` },
  allow: { server: 'allow', containerId: BASE_IDS.allowList, appendPath: `/id/${BASE_IDS.allowList}/handle/0/routes` },
} as const;
export type ListName = keyof typeof LISTS;

/** The request variable a site's routes set to "container:port"; the base's one reverse_proxy dials it. */
export const UPSTREAM_VAR = 'allmende_upstream';
const UPSTREAM_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*:[0-9]{1,5}$';

export const PAGE_TEXT = {
  notFound: 'There is no site at this address.\n',
  gone: 'This service is no longer hosted here.\n',
};

/**
 * Caddy expands {placeholders} in response bodies and header values (even {env.*} and files):
 * text that must come out as written gets its braces escaped ("\{" is a literal "{").
 */
export function caddyLiteral(text: string): string {
  return text.replace(/[{}]/g, (brace) => `\\${brace}`);
}

/** A plain-text answer (status, text, never cached); `text` is shown literally. */
export function plainTextResponse(status: number, text: string): JsonObject {
  return {
    handler: 'static_response',
    status_code: status,
    headers: {
      'Content-Type': ['text/plain; charset=utf-8'],
      'Cache-Control': ['no-store'],
      'X-Content-Type-Options': ['nosniff'],
    },
    body: caddyLiteral(text),
  };
}

function issuerObject(issuer: EdgeIssuer): JsonObject {
  if (issuer.kind === 'internal') return { module: 'internal', ca: 'local' };
  return { module: 'acme', email: issuer.email, ...(issuer.directoryUrl ? { ca: issuer.directoryUrl } : {}) };
}

/**
 * Everything of the edge's configuration but the tenants' objects: the admin API on the unix
 * socket only (a config without `admin` would reopen Caddy's default TCP listener), HTTPS with
 * on-demand certificates asked of the loopback allow-list server, HTTP redirecting to HTTPS,
 * HSTS on every HTTPS answer, the one reverse proxy (to the upstream a site's route chose),
 * and a final 404 for requests no site route claimed (Caddy would answer an empty 200).
 */
export function edgeBaseConfig(options: ResolvedEdgeOptions, host: EdgeHostSettings): JsonObject {
  const httpsAuthority = host.httpsPort === 443 ? '{http.request.host}' : `{http.request.host}:${host.httpsPort}`;
  const noAutomaticHttps = { disable: true };
  return {
    admin: { listen: `unix/${EDGE_IMAGE.adminSocket}`, config: { persist: true } },
    storage: { module: 'file_system', root: EDGE_IMAGE.dataDir },
    apps: {
      http: {
        http_port: EDGE_IMAGE.httpPort,
        https_port: EDGE_IMAGE.httpsPort,
        servers: {
          https: {
            listen: [`:${EDGE_IMAGE.httpsPort}`],
            // HTTP/3 would need UDP published too; browsers fall back silently, so it stays off
            protocols: ['h1', 'h2'],
            tls_connection_policies: [{}],
            automatic_https: noAutomaticHttps,
            routes: [
              {
                '@id': BASE_IDS.hsts,
                handle: [{ handler: 'headers', response: { set: { 'Strict-Transport-Security': [`max-age=${options.hstsMaxAgeSeconds}`] }, deferred: true } }],
              },
              { '@id': BASE_IDS.sites, handle: [{ handler: 'subroute', routes: [] }] },
              {
                // one proxy for every site: a thousand sites are a thousand small route objects, not a thousand proxies to provision on each change
                '@id': BASE_IDS.proxy,
                match: [{ vars_regexp: { [UPSTREAM_VAR]: { pattern: UPSTREAM_PATTERN } } }],
                handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: `{http.vars.${UPSTREAM_VAR}}` }] }],
              },
              { '@id': BASE_IDS.notFound, handle: [plainTextResponse(404, PAGE_TEXT.notFound)] },
            ],
          },
          http: {
            listen: [`:${EDGE_IMAGE.httpPort}`],
            protocols: ['h1'],
            automatic_https: noAutomaticHttps,
            routes: [
              {
                '@id': BASE_IDS.redirect,
                handle: [{ handler: 'static_response', status_code: 308, headers: { Location: [`https://${httpsAuthority}{http.request.uri}`] } }],
              },
            ],
          },
          allow: {
            listen: [EDGE_IMAGE.allowAddress],
            protocols: ['h1'],
            automatic_https: noAutomaticHttps,
            routes: [
              { '@id': BASE_IDS.allowList, handle: [{ handler: 'subroute', routes: [] }] },
              { '@id': BASE_IDS.refuse, handle: [{ handler: 'static_response', status_code: 403 }] },
            ],
          },
        },
      },
      tls: {
        automation: {
          policies: [{ issuers: [issuerObject(options.issuer)], on_demand: true }],
          on_demand: { ask: `http://${EDGE_IMAGE.allowAddress}/allowed` },
        },
      },
      ...(options.issuer.kind === 'internal'
        ? { pki: { certificate_authorities: { local: { name: 'Allmende edge CA', install_trust: false } } } }
        : {}),
    },
  };
}

/** The route list with this @id in a server of `config`, or undefined when the config does not have it. */
export function findList(config: unknown, list: ListName): Json[] | undefined {
  const { server, containerId } = LISTS[list];
  const routes = pick(config, ['apps', 'http', 'servers', server, 'routes']);
  if (!Array.isArray(routes)) return undefined;
  const container = routes.find((route) => pick(route, ['@id']) === containerId);
  const inner = pick(container, ['handle', 0, 'routes']);
  return Array.isArray(inner) ? inner : undefined;
}

/** A copy of `base` with the tenants' objects in their lists. */
export function assembleConfig(base: JsonObject, sites: Json[], allows: Json[]): JsonObject {
  const config = structuredClone(base);
  const siteList = findList(config, 'sites');
  const allowList = findList(config, 'allow');
  if (!siteList || !allowList) throw new Error('assembleConfig: the base configuration has no tenant lists');
  siteList.push(...structuredClone(sites));
  allowList.push(...structuredClone(allows));
  return config;
}

/** A copy of `config` with the tenant lists emptied: what is compared with the base. */
export function withoutTenants(config: unknown): Json | undefined {
  const copy = structuredClone(config) as Json;
  const siteList = findList(copy, 'sites');
  const allowList = findList(copy, 'allow');
  if (!siteList || !allowList) return undefined;
  siteList.length = 0;
  allowList.length = 0;
  return copy;
}

/** JSON with object keys sorted (Caddy answers with sorted keys), so equal objects compare equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function pick(value: unknown, path: (string | number)[]): Json | undefined {
  let current: unknown = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current as Json | undefined;
}
