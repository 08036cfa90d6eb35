import { canonicalJson, findList, pick, withoutTenants, type Json, type JsonObject, type ListName } from './edge-config.js';
import { tenantOfId, type RenderedSite } from './site-routes.js';

// What the edge runs compared with what the database says it should: pure decisions that
// reconcile, drift and observe carry out or report.

/** ok: as desired; missing: not the edge's layout at all (e.g. the bootstrap config); changed: the layout differs. */
export type BaseState = 'ok' | 'missing' | 'changed';

export interface EdgeChange {
  op: 'add' | 'replace' | 'remove';
  list: ListName;
  /** The object's @id. */
  id: string;
  tenantId: string;
  /** The desired object (add and replace). */
  value?: JsonObject;
}

export interface EdgeDiff {
  base: BaseState;
  /** Per tenant object, in the order to apply: additions and replacements, then removals. */
  changes: EdgeChange[];
  /** @ids found more than once, and objects in the tenant lists that are no tenant's: only a full load repairs those. */
  duplicates: string[];
  strangers: number;
  inSync: boolean;
}

/** One tenant as the edge currently serves it, read back from its configuration. */
export interface ObservedSite {
  tenantId: string;
  /** Host names its route matches. */
  hosts: string[];
  /** Host names the allow-list lets get certificates. */
  certificateHosts: string[];
  /** serving (proxies or redirects), paused (a 200 page) or gone (a 404 page), as far as the route shows. */
  state: 'serving' | 'paused' | 'gone' | 'unknown';
}

interface TenantObjects {
  byId: Map<string, JsonObject[]>;
  strangers: number;
}

function tenantObjects(list: Json[] | undefined, which: ListName): TenantObjects {
  const byId = new Map<string, JsonObject[]>();
  let strangers = 0;
  for (const item of list ?? []) {
    const id = pick(item, ['@id']);
    if (typeof id !== 'string' || tenantOfId(id, which) === null || !item || typeof item !== 'object' || Array.isArray(item)) {
      strangers++;
      continue;
    }
    byId.set(id, [...(byId.get(id) ?? []), item as JsonObject]);
  }
  return { byId, strangers };
}

export function baseStateOf(desiredBase: JsonObject, observedConfig: unknown): BaseState {
  const skeleton = withoutTenants(observedConfig);
  if (skeleton === undefined) return 'missing';
  return canonicalJson(skeleton) === canonicalJson(desiredBase) ? 'ok' : 'changed';
}

/**
 * Desired sites vs the observed configuration, object by object (a site route and an allow
 * route per tenant, compared as canonical JSON): what to add, replace and remove so that the
 * edge serves exactly the desired sites, plus whether the base needs loading again.
 */
export function diffEdge(desiredBase: JsonObject, desired: RenderedSite[], observedConfig: unknown): EdgeDiff {
  const base = baseStateOf(desiredBase, observedConfig);
  const observed = {
    sites: tenantObjects(findList(observedConfig, 'sites'), 'sites'),
    allow: tenantObjects(findList(observedConfig, 'allow'), 'allow'),
  };
  const wanted = {
    sites: new Map(desired.map((rendered) => [rendered.site['@id'] as string, { tenantId: rendered.tenantId, value: rendered.site }])),
    allow: new Map(
      desired.flatMap((rendered) => (rendered.allow ? [[rendered.allow['@id'] as string, { tenantId: rendered.tenantId, value: rendered.allow }] as const] : [])),
    ),
  };
  const changes: EdgeChange[] = [];
  const removals: EdgeChange[] = [];
  const duplicates: string[] = [];
  for (const list of ['sites', 'allow'] as const) {
    for (const [id, { tenantId, value }] of wanted[list]) {
      const present = observed[list].byId.get(id);
      if (!present) changes.push({ op: 'add', list, id, tenantId, value });
      else if (present.some((item) => canonicalJson(item) !== canonicalJson(value))) changes.push({ op: 'replace', list, id, tenantId, value });
    }
    for (const [id, items] of observed[list].byId) {
      if (items.length > 1) duplicates.push(id);
      if (!wanted[list].has(id)) removals.push({ op: 'remove', list, id, tenantId: tenantOfId(id, list)! });
    }
  }
  const strangers = observed.sites.strangers + observed.allow.strangers;
  const all = [...changes, ...removals];
  return { base, changes: all, duplicates, strangers, inSync: base === 'ok' && all.length === 0 && duplicates.length === 0 && strangers === 0 };
}

/**
 * How to carry out a diff: nothing; object by object (each admin call is one reload of Caddy's
 * config, other tenants' connections stay); or one load of the whole desired configuration
 * (when the base is missing or changed, when duplicates or strangers must go, or when there
 * are so many changes that one reload beats many).
 */
export function applyMode(diff: EdgeDiff, fullLoadAbove: number): 'none' | 'incremental' | 'full' {
  if (diff.inSync) return 'none';
  if (diff.base !== 'ok' || diff.duplicates.length || diff.strangers || diff.changes.length > fullLoadAbove) return 'full';
  return 'incremental';
}

/** The tenants' objects as they are, for keeping them when only the base is loaded again (first of duplicates, no strangers). */
export function observedTenantObjects(observedConfig: unknown): { sites: JsonObject[]; allows: JsonObject[] } {
  const firstOf = (objects: TenantObjects) => [...objects.byId.values()].map((items) => items[0]);
  return {
    sites: firstOf(tenantObjects(findList(observedConfig, 'sites'), 'sites')),
    allows: firstOf(tenantObjects(findList(observedConfig, 'allow'), 'allow')),
  };
}

/** Which tenants the edge serves and how, read from its configuration (for observe). */
export function observedSites(observedConfig: unknown): ObservedSite[] {
  const { sites, allows } = observedTenantObjects(observedConfig);
  const certificateHosts = new Map(
    allows.map((allow) => [tenantOfId(allow['@id'], 'allow')!, stringsAt(allow, ['match', 0, 'query', 'domain'])]),
  );
  return sites
    .map((site) => {
      const tenantId = tenantOfId(site['@id'], 'sites')!;
      return { tenantId, hosts: stringsAt(site, ['match', 0, 'host']), certificateHosts: certificateHosts.get(tenantId) ?? [], state: stateOf(site) };
    })
    .sort((a, b) => (a.tenantId < b.tenantId ? -1 : 1));
}

function stateOf(site: JsonObject): ObservedSite['state'] {
  const handler = pick(site, ['handle', 0, 'handler']);
  if (handler === 'subroute') return 'serving';
  if (handler === 'static_response') {
    const status = pick(site, ['handle', 0, 'status_code']);
    return status === 200 ? 'paused' : status === 404 ? 'gone' : 'unknown';
  }
  return 'unknown';
}

function stringsAt(value: unknown, path: (string | number)[]): string[] {
  const found = pick(value, path);
  return Array.isArray(found) ? found.filter((item): item is string => typeof item === 'string') : [];
}

/** Which tenant networks to join and leave so the edge is attached exactly to the serving sites' networks. */
export function diffNetworks(
  desired: { network: string; tenantId: string }[],
  attached: { name: string; tenantId: string | null }[],
): { connect: { name: string; tenantId: string }[]; disconnect: string[] } {
  const wanted = new Map(desired.map((entry) => [entry.network, entry.tenantId]));
  const present = new Set(attached.map((network) => network.name));
  return {
    connect: [...wanted].filter(([name]) => !present.has(name)).map(([name, tenantId]) => ({ name, tenantId })),
    // only tenant networks are ever left; the edge's own network has no tenant label
    disconnect: attached.filter((network) => network.tenantId !== null && !wanted.has(network.name)).map((network) => network.name),
  };
}
