import { assembleConfig, edgeBaseConfig, findList } from './edge-config.js';
import { applyMode, diffEdge, diffNetworks, observedSites, observedTenantObjects } from './edge-diff.js';
import { resolveEdgeOptions } from './edge-settings.js';
import { renderSite, type EdgeSite } from './site-routes.js';

const options = resolveEdgeOptions({ issuer: { kind: 'internal' } });
const base = edgeBaseConfig(options, { publishIp: '127.0.0.1', httpPort: 18080, httpsPort: 18443 });

function site(tenantId: string, state: EdgeSite['state'] = 'serving', certificate = true): EdgeSite {
  return {
    tenantId,
    state,
    network: `alm-${tenantId}`,
    hosts: [{ name: `${tenantId}.allmende.coop`, certificate, routes: [{ kind: 'proxy', upstream: { container: `alm-${tenantId}-wordpress-web`, port: 80 } }] }],
  };
}

/** What Caddy would hold after loading these sites (it answers with the JSON we gave it). */
function running(...sites: EdgeSite[]) {
  const rendered = sites.map(renderSite);
  return JSON.parse(JSON.stringify(assembleConfig(base, rendered.map((r) => r.site), rendered.flatMap((r) => (r.allow ? [r.allow] : [])))));
}

describe('diffEdge', () => {
  it('is in sync when the edge runs exactly the desired sites', () => {
    const diff = diffEdge(base, [renderSite(site('t1')), renderSite(site('t2'))], running(site('t2'), site('t1')));
    expect(diff).toEqual({ base: 'ok', changes: [], duplicates: [], strangers: 0, inSync: true });
    expect(applyMode(diff, 10)).toBe('none');
  });

  it('adds what is missing, replaces what differs, removes what is no longer desired', () => {
    const observed = running(site('t1'), site('t2'), site('gone'));
    const diff = diffEdge(base, [renderSite(site('t1', 'paused')), renderSite(site('t2')), renderSite(site('new'))], observed);
    expect(diff.base).toBe('ok');
    expect(diff.changes.map(({ op, list, id }) => `${op} ${list} ${id}`)).toEqual([
      'replace sites site-t1',
      'add sites site-new',
      'add allow allow-new',
      'remove sites site-gone',
      'remove allow allow-gone',
    ]);
    expect(diff.changes[0].value).toEqual(renderSite(site('t1', 'paused')).site);
    expect(applyMode(diff, 10)).toBe('incremental');
    expect(applyMode(diff, 4)).toBe('full');
  });

  it('removes an allow entry when no host may get a certificate any more', () => {
    const diff = diffEdge(base, [renderSite(site('t1', 'serving', false))], running(site('t1')));
    expect(diff.changes.map(({ op, id }) => `${op} ${id}`)).toEqual(['remove allow-t1']);
  });

  it('sees a route deleted behind its back', () => {
    const observed = running(site('t1'), site('t2'));
    const routes = findList(observed, 'sites')!;
    routes.splice(routes.findIndex((route: any) => route['@id'] === 'site-t1'), 1);
    expect(diffEdge(base, [renderSite(site('t1')), renderSite(site('t2'))], observed).changes).toEqual([
      expect.objectContaining({ op: 'add', list: 'sites', id: 'site-t1', tenantId: 't1' }),
    ]);
  });

  it('wants a full load for a missing or changed base, duplicates and strangers', () => {
    const desired = [renderSite(site('t1'))];
    const bootstrap = { admin: { listen: 'unix//run/caddy/admin.sock' } };
    expect(diffEdge(base, desired, bootstrap).base).toBe('missing');
    expect(diffEdge(base, desired, null).base).toBe('missing');
    expect(applyMode(diffEdge(base, desired, bootstrap), 10)).toBe('full');

    const otherIssuer = edgeBaseConfig(resolveEdgeOptions({ issuer: { kind: 'acme', email: 'ops@coop.example' } }), { publishIp: '127.0.0.1', httpPort: 18080, httpsPort: 18443 });
    const changed = diffEdge(otherIssuer, desired, running(site('t1')));
    expect(changed.base).toBe('changed');
    expect(changed.changes).toEqual([]);
    expect(applyMode(changed, 10)).toBe('full');

    const doubled = running(site('t1'));
    findList(doubled, 'sites')!.push(structuredClone(findList(doubled, 'sites')![0]));
    findList(doubled, 'sites')!.push({ handle: [{ handler: 'file_server' }] });
    const repaired = diffEdge(base, desired, doubled);
    expect(repaired.duplicates).toEqual(['site-t1']);
    expect(repaired.strangers).toBe(1);
    expect(applyMode(repaired, 10)).toBe('full');
  });

  it('keeps the observed tenant objects (first of duplicates, no strangers) for a base reload', () => {
    const observed = running(site('t1'), site('t2'));
    findList(observed, 'sites')!.push({ '@id': 'site-t1', handle: [] }, { handle: [] });
    const kept = observedTenantObjects(observed);
    expect(kept.sites.map((route) => route['@id'])).toEqual(['site-t1', 'site-t2']);
    expect(kept.sites[0]).toEqual(renderSite(site('t1')).site);
    expect(kept.allows).toHaveLength(2);
  });
});

describe('observedSites', () => {
  it('reads tenants, hosts, certificate hosts and state back', () => {
    expect(observedSites(running(site('t2', 'paused', false), site('t1'), site('t3', 'gone')))).toEqual([
      { tenantId: 't1', hosts: ['t1.allmende.coop'], certificateHosts: ['t1.allmende.coop'], state: 'serving' },
      { tenantId: 't2', hosts: ['t2.allmende.coop'], certificateHosts: [], state: 'paused' },
      { tenantId: 't3', hosts: ['t3.allmende.coop'], certificateHosts: ['t3.allmende.coop'], state: 'gone' },
    ]);
    expect(observedSites({})).toEqual([]);
  });
});

describe('diffNetworks', () => {
  it('joins the serving sites\' networks and leaves other tenant networks, never its own', () => {
    const plan = diffNetworks(
      [
        { network: 'alm-t1', tenantId: 't1' },
        { network: 'alm-t2', tenantId: 't2' },
      ],
      [
        { name: 'allmende-edge', tenantId: null },
        { name: 'alm-t1', tenantId: 't1' },
        { name: 'alm-old', tenantId: 'old' },
      ],
    );
    expect(plan).toEqual({ connect: [{ name: 'alm-t2', tenantId: 't2' }], disconnect: ['alm-old'] });
  });
});
