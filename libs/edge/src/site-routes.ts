import { freeTextProblem, inputProblems, ValidationFailedError } from '#platform';
import { plainTextResponse, PAGE_TEXT, UPSTREAM_VAR, type Json, type JsonObject } from './edge-config.js';
import { dockerNameProblem, hostNameProblem, pathPatternProblem, portProblem, tenantIdProblem } from './host-names.js';

// One tenant's part of the edge: what the control plane says (EdgeSite) turned into Caddy
// route objects with stable @ids. Pure; every value is checked before it becomes a JSON value.

/** serving: the apps; paused (suspended, e.g. unpaid): a page saying so and how to pay; gone (terminated): a 404 page. */
export type EdgeSiteState = 'serving' | 'paused' | 'gone';

/**
 * Where requests go. The edge dials the container by its Docker name, which is unique on the
 * host: the `<app>-<service>` aliases repeat in every tenant's network, and the edge, attached
 * to many tenant networks, would resolve such an alias in whichever network Docker asks first.
 */
export interface EdgeUpstream {
  container: string;
  port: number;
}

export type EdgeRoute =
  /** Proxied to a tenant service; `paths` ("/exact" or "/prefix*") limit it, none means every path. */
  | { kind: 'proxy'; paths?: string[]; upstream: EdgeUpstream }
  /**
   * Mastodon with LOCAL_DOMAIN != WEB_DOMAIN, on the LOCAL_DOMAIN host: /.well-known/webfinger,
   * host-meta and nodeinfo answer 301 to the same URL on `to` (WEB_DOMAIN), with CORS "*".
   */
  | { kind: 'webfinger-redirect'; to: string };

export interface EdgeHost {
  /** Lower-case DNS name (punycode for internationalised names). */
  name: string;
  /** Whether the edge may obtain a certificate for it (on-demand TLS asks): subdomains always, custom domains once verified. */
  certificate: boolean;
  /** While serving; routes with paths come before those without, and among them the first matching one wins. */
  routes: EdgeRoute[];
}

export interface EdgeSite {
  tenantId: string;
  state: EdgeSiteState;
  /** The tenant's Docker network: the edge joins it while serving, and leaves it otherwise. */
  network: string;
  hosts: EdgeHost[];
  /** For the paused page. */
  notice?: { clubName?: string; paymentUrl?: string };
}

/** What one site becomes in the edge's configuration. */
export interface RenderedSite {
  tenantId: string;
  /** In the HTTPS server's sites list. */
  site: JsonObject;
  /** In the allow-list server's list; null when no host of the site may get a certificate. */
  allow: JsonObject | null;
  /** The network the edge must be attached to (serving), or null (it must not be). */
  network: string | null;
}

export const siteId = (tenantId: string) => `site-${tenantId}`;
export const allowId = (tenantId: string) => `allow-${tenantId}`;
/** The tenant an object's @id belongs to, or null for any other object. */
export function tenantOfId(id: unknown, list: 'sites' | 'allow'): string | null {
  const prefix = list === 'sites' ? 'site-' : 'allow-';
  return typeof id === 'string' && id.startsWith(prefix) && !tenantIdProblem(id.slice(prefix.length)) ? id.slice(prefix.length) : null;
}

const WEBFINGER_PATHS = ['/.well-known/webfinger', '/.well-known/host-meta', '/.well-known/host-meta.json', '/.well-known/nodeinfo'];
const STATES: EdgeSiteState[] = ['serving', 'paused', 'gone'];

/** Problems of one site, as field path -> what is wrong (prefix e.g. "sites[3]."). */
export function siteProblems(site: EdgeSite, prefix = ''): Record<string, string> {
  const problems: Record<string, string> = {};
  const note = (field: string, problem: string | undefined) => {
    if (problem && !problems[prefix + field]) problems[prefix + field] = problem;
  };
  if (!site || typeof site !== 'object') return { [prefix || 'site']: 'must be an object' };
  note('tenantId', tenantIdProblem(site.tenantId));
  note('state', STATES.includes(site.state) ? undefined : 'must be serving, paused or gone');
  note('network', dockerNameProblem(site.network));
  if (!Array.isArray(site.hosts) || site.hosts.length === 0) {
    note('hosts', 'must list at least one host');
  } else {
    const seen = new Set<string>();
    site.hosts.forEach((host, h) => {
      const at = `hosts[${h}]`;
      note(`${at}.name`, hostNameProblem(host?.name) ?? (seen.has(host.name) ? 'is listed twice' : undefined));
      seen.add(host?.name);
      note(`${at}.certificate`, typeof host?.certificate === 'boolean' ? undefined : 'must be true or false');
      if (!Array.isArray(host?.routes)) {
        note(`${at}.routes`, 'must be a list');
        return;
      }
      host.routes.forEach((route, r) => {
        const where = `${at}.routes[${r}]`;
        if (route?.kind === 'proxy') {
          if (route.paths !== undefined) {
            if (!Array.isArray(route.paths) || route.paths.length === 0) note(`${where}.paths`, 'must be a non-empty list when given');
            else route.paths.forEach((path, p) => note(`${where}.paths[${p}]`, pathPatternProblem(path)));
          }
          note(`${where}.upstream.container`, dockerNameProblem(route.upstream?.container));
          note(`${where}.upstream.port`, portProblem(route.upstream?.port));
        } else if (route?.kind === 'webfinger-redirect') {
          note(`${where}.to`, hostNameProblem(route.to) ?? (route.to === host.name ? 'must be another host than the one redirecting' : undefined));
        } else {
          note(`${where}.kind`, 'must be "proxy" or "webfinger-redirect"');
        }
      });
    });
  }
  if (site.notice !== undefined) {
    if (site.notice.clubName !== undefined) note('notice.clubName', freeTextProblem(String(site.notice.clubName), 120));
    if (site.notice.paymentUrl !== undefined) note('notice.paymentUrl', webUrlProblem(site.notice.paymentUrl));
  }
  return problems;
}

export function checkSite(site: EdgeSite): void {
  const problems = siteProblems(site);
  if (Object.keys(problems).length) throw new ValidationFailedError(inputProblems(problems), `Edge site${typeof site?.tenantId === 'string' ? ` of tenant ${site.tenantId}` : ''}: ${summary(problems)}`);
}

/** The whole desired set: each site valid, each tenant once, each host name served by one tenant only. */
export function checkSites(sites: EdgeSite[]): void {
  const problems: Record<string, string> = {};
  const tenants = new Map<string, number>();
  const hosts = new Map<string, string>();
  sites.forEach((site, index) => {
    Object.assign(problems, siteProblems(site, `sites[${index}].`));
    if (tenants.has(site?.tenantId)) problems[`sites[${index}].tenantId`] = `is also sites[${tenants.get(site.tenantId)}]`;
    tenants.set(site?.tenantId, index);
    (site?.hosts ?? []).forEach((host, h) => {
      const owner = hosts.get(host?.name);
      if (owner !== undefined && owner !== site.tenantId) problems[`sites[${index}].hosts[${h}].name`] = `is also a host of tenant ${owner}`;
      hosts.set(host?.name, site.tenantId);
    });
  });
  if (Object.keys(problems).length) throw new ValidationFailedError(inputProblems(problems), `Edge sites: ${summary(problems)}`);
}

/** The page a paused site shows instead of its apps: plain text, said plainly. */
export function pausedPageText(notice: EdgeSite['notice'] = {}): string {
  const who = notice.clubName ? `${notice.clubName}: this service is paused.` : 'This service is paused.';
  const how = notice.paymentUrl
    ? `To continue, please pay the membership fee here:\n${notice.paymentUrl}\n`
    : 'To continue, please pay the membership fee, or contact your hosting cooperative.\n';
  return `${who}\n\nIt was paused because its membership fee is unpaid. Nothing has been deleted: it comes back as soon as the payment has arrived.\n${how}`;
}

/** The site's Caddy objects. Refuses (ValidationFailedError, naming the field) anything not checked above. */
export function renderSite(site: EdgeSite): RenderedSite {
  checkSite(site);
  const names = site.hosts.map((host) => host.name).sort();
  const allowed = site.hosts.filter((host) => host.certificate).map((host) => host.name).sort();
  let handle: Json[];
  if (site.state === 'paused') handle = [plainTextResponse(200, pausedPageText(site.notice))];
  else if (site.state === 'gone') handle = [plainTextResponse(404, PAGE_TEXT.gone)];
  else handle = [{ handler: 'subroute', routes: [...site.hosts].sort((a, b) => (a.name < b.name ? -1 : 1)).flatMap(hostRoutes) }];
  return {
    tenantId: site.tenantId,
    site: { '@id': siteId(site.tenantId), match: [{ host: names }], handle },
    allow: allowed.length
      ? { '@id': allowId(site.tenantId), match: [{ query: { domain: allowed } }], handle: [{ handler: 'static_response', status_code: 200 }] }
      : null,
    network: site.state === 'serving' ? site.network : null,
  };
}

/**
 * A host's routes. They only pick the upstream (a `vars` handler; the one reverse_proxy of the
 * base config dials it), so a site is cheap for Caddy to load however many there are. All
 * matching routes run and the last one's choice stands: the order is the reverse of "routes
 * with paths, in the given order, then those without". Webfinger redirects answer at once.
 */
function hostRoutes(host: EdgeHost): JsonObject[] {
  const proxies = host.routes.filter((route): route is Extract<EdgeRoute, { kind: 'proxy' }> => route.kind === 'proxy');
  const byPriority = [...proxies.filter((route) => route.paths !== undefined), ...proxies.filter((route) => route.paths === undefined)];
  const chosen = [...byPriority].reverse().map((route) => ({
    match: [{ host: [host.name], ...(route.paths ? { path: [...route.paths] } : {}) }],
    handle: [{ handler: 'vars', [UPSTREAM_VAR]: `${route.upstream.container}:${route.upstream.port}` }],
  }));
  const redirects = host.routes
    .filter((route): route is Extract<EdgeRoute, { kind: 'webfinger-redirect' }> => route.kind === 'webfinger-redirect')
    .map((route) => ({
      match: [{ host: [host.name], path: WEBFINGER_PATHS }],
      handle: [
        {
          handler: 'static_response',
          status_code: 301,
          headers: { Location: [`https://${route.to}{http.request.uri}`], 'Access-Control-Allow-Origin': ['*'] },
        },
      ],
    }));
  return [...chosen, ...redirects];
}

function webUrlProblem(value: unknown): string | undefined {
  const problem = 'must be an https (or http) URL without spaces';
  if (typeof value !== 'string' || value.length > 500 || /\s/.test(value)) return problem;
  try {
    const url = new URL(value);
    if (!['https:', 'http:'].includes(url.protocol) || url.username || url.password) return problem;
    return url.href === value || `${url.href}` === `${value}/` ? undefined : 'must be written in its normal form (as a browser shows it)';
  } catch {
    return problem;
  }
}

function summary(problems: Record<string, string>): string {
  return Object.entries(problems).map(([field, problem]) => `${field} ${problem}`).join('; ');
}
