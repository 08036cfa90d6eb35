import type { EdgeHost, EdgeSite, EdgeSiteState } from '#edge';
import type { TenantState } from '#domain';
import { isServed } from '../domains/domain-verification.js';
import type { DomainVerificationState } from '../entities/index.js';

// What the edge serves for a tenant, decided from stored state alone. Pure: the TenantEdge
// service reads the rows, these functions decide, the EdgeProxy port applies.

/**
 * serving: the apps answer (also while provisioning, once the containers exist, and past due,
 * in the grace period); paused: suspended for an unpaid fee, a page says so and how to pay;
 * gone: terminating, terminated or failed, a plain 404. null: nothing at all (not paid yet).
 */
export function siteStateOf(state: TenantState): EdgeSiteState | null {
  switch (state) {
    case 'provisioning':
    case 'active':
    case 'past_due':
      return 'serving';
    case 'suspended':
      return 'paused';
    case 'terminating':
    case 'terminated':
    case 'failed':
      return 'gone';
    default:
      return null;
  }
}


export interface SiteDomain {
  name: string;
  kind: 'subdomain' | 'custom';
  verificationState: string;
}

export interface SiteRoute {
  container: string;
  port: number;
  paths?: string[];
}

export interface EdgeSiteInput {
  tenant: { id: string; state: TenantState };
  network: string;
  domains: readonly SiteDomain[];
  /** Every app's web routes; every served host name gets all of them. */
  routes: readonly SiteRoute[];
  /** Names the apps present certificates for themselves (e.g. Prosody's group chat): certificate only, no routes. */
  certificateHosts: readonly string[];
  notice?: EdgeSite['notice'];
  /** Overrides the state derived from the tenant's (e.g. provisioning publishes before it activates). */
  state?: EdgeSiteState;
}

/** The tenant's EdgeSite, or null when the edge should know nothing of it. */
export function edgeSiteOf(input: EdgeSiteInput): EdgeSite | null {
  const state = input.state ?? siteStateOf(input.tenant.state);
  if (!state) return null;
  // custom domains once verified, and while flagged (records lost) until their grace ends and they are withdrawn
  const served = input.domains.filter((domain) => domain.kind === 'subdomain' || isServed(domain.verificationState as DomainVerificationState));
  const routes = input.routes.map((route) => ({ kind: 'proxy' as const, upstream: { container: route.container, port: route.port }, ...(route.paths ? { paths: [...route.paths] } : {}) }));
  const hosts: EdgeHost[] = served.map((domain) => ({ name: domain.name, certificate: true, routes: [...routes] }));
  for (const name of input.certificateHosts) {
    if (!hosts.some((host) => host.name === name)) hosts.push({ name, certificate: true, routes: [] });
  }
  if (!hosts.length) return null;
  hosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { tenantId: input.tenant.id, state, network: input.network, hosts, ...(state === 'paused' && input.notice ? { notice: input.notice } : {}) };
}

/**
 * Host ports for the published ports a tenant still lacks: the lowest free ones in the range,
 * in the order asked. Null when the range is full.
 */
export function chooseHostPorts(wanted: number, taken: ReadonlySet<number>, range: { from: number; to: number }): number[] | null {
  const chosen: number[] = [];
  for (let port = range.from; port <= range.to && chosen.length < wanted; port++) if (!taken.has(port)) chosen.push(port);
  return chosen.length === wanted ? chosen : null;
}
