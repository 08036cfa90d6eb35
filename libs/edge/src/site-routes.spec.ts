import { ValidationFailedError } from '#platform';
import { checkSites, pausedPageText, renderSite, tenantOfId, type EdgeSite } from './site-routes.js';

const TENANT = '3f1c2a9e-8b7d-4c6e-9f00-123456789abc';

function site(overrides: Partial<EdgeSite> = {}): EdgeSite {
  return {
    tenantId: TENANT,
    state: 'serving',
    network: 'alm-gardeners',
    hosts: [
      {
        name: 'gardeners.allmende.coop',
        certificate: true,
        routes: [
          { kind: 'proxy', upstream: { container: 'alm-gardeners-wordpress-web', port: 80 } },
          { kind: 'proxy', paths: ['/http-bind', '/xmpp-websocket*'], upstream: { container: 'alm-gardeners-prosody-prosody', port: 5280 } },
        ],
      },
      { name: 'gaertner.example.org', certificate: false, routes: [{ kind: 'proxy', upstream: { container: 'alm-gardeners-wordpress-web', port: 80 } }] },
    ],
    ...overrides,
  };
}

function fieldsOf(run: () => unknown): Record<string, string> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailedError);
    return Object.fromEntries(Object.entries((error as ValidationFailedError).fields ?? {}).map(([field, problem]) => [field, String(problem.params?.detail ?? problem.code)]));
  }
  throw new Error('expected a ValidationFailedError');
}

describe('renderSite', () => {
  it('renders one route for the tenant\'s hosts that picks the upstream container by name; the first matching path route wins', () => {
    const rendered = renderSite(site());
    expect(rendered.tenantId).toBe(TENANT);
    expect(rendered.network).toBe('alm-gardeners');
    const pick = (host: string, upstream: string, paths?: string[]) => ({
      match: [{ host: [host], ...(paths ? { path: paths } : {}) }],
      handle: [{ handler: 'vars', allmende_upstream: upstream }],
    });
    expect(rendered.site).toEqual({
      '@id': `site-${TENANT}`,
      match: [{ host: ['gaertner.example.org', 'gardeners.allmende.coop'] }],
      handle: [
        {
          handler: 'subroute',
          routes: [
            pick('gaertner.example.org', 'alm-gardeners-wordpress-web:80'),
            // every matching route runs and the last choice stands: path routes after the default
            pick('gardeners.allmende.coop', 'alm-gardeners-wordpress-web:80'),
            pick('gardeners.allmende.coop', 'alm-gardeners-prosody-prosody:5280', ['/http-bind', '/xmpp-websocket*']),
          ],
        },
      ],
    });
  });

  it('puts path routes in reverse order, so the first listed one wins where paths overlap', () => {
    const overlapping = site({
      hosts: [
        {
          name: 'club.allmende.coop',
          certificate: true,
          routes: [
            { kind: 'proxy', paths: ['/api/v1/streaming*'], upstream: { container: 'alm-club-mastodon-streaming', port: 4000 } },
            { kind: 'proxy', paths: ['/api/*'], upstream: { container: 'alm-club-mastodon-api', port: 3000 } },
            { kind: 'proxy', upstream: { container: 'alm-club-mastodon-web', port: 3000 } },
          ],
        },
      ],
    });
    const routes = (renderSite(overlapping).site.handle as any)[0].routes;
    expect(routes.map((route: any) => route.handle[0].allmende_upstream)).toEqual([
      'alm-club-mastodon-web:3000',
      'alm-club-mastodon-api:3000',
      'alm-club-mastodon-streaming:4000',
    ]);
  });

  it('allows certificates only for the hosts marked so', () => {
    expect(renderSite(site()).allow).toEqual({
      '@id': `allow-${TENANT}`,
      match: [{ query: { domain: ['gardeners.allmende.coop'] } }],
      handle: [{ handler: 'static_response', status_code: 200 }],
    });
    const none = site({ hosts: [{ name: 'gaertner.example.org', certificate: false, routes: [] }] });
    expect(renderSite(none).allow).toBeNull();
  });

  it('shows the paused page on every host of a paused site, and leaves its network', () => {
    const rendered = renderSite(site({ state: 'paused', notice: { clubName: 'Gärtner {env.HOME}', paymentUrl: 'https://coop.example/pay/1' } }));
    expect(rendered.network).toBeNull();
    expect(rendered.site.match).toEqual([{ host: ['gaertner.example.org', 'gardeners.allmende.coop'] }]);
    const [page] = rendered.site.handle as Record<string, any>[];
    expect(page).toMatchObject({ handler: 'static_response', status_code: 200, headers: { 'Content-Type': ['text/plain; charset=utf-8'], 'Cache-Control': ['no-store'] } });
    expect(page.body).toContain('Gärtner \\{env.HOME\\}: this service is paused.');
    expect(page.body).toContain('https://coop.example/pay/1');
  });

  it('answers a gone site with the 404 page', () => {
    const rendered = renderSite(site({ state: 'gone' }));
    expect(rendered.site.handle).toEqual([expect.objectContaining({ handler: 'static_response', status_code: 404, body: 'This service is no longer hosted here.\n' })]);
    expect(rendered.network).toBeNull();
    expect(rendered.allow).not.toBeNull(); // the caller decides which names keep their certificate
  });

  it('renders the Mastodon webfinger redirect with CORS', () => {
    const mastodon = site({
      hosts: [
        { name: 'social.gardeners.allmende.coop', certificate: true, routes: [{ kind: 'proxy', upstream: { container: 'alm-gardeners-mastodon-web', port: 3000 } }] },
        { name: 'gardeners.example.org', certificate: true, routes: [{ kind: 'webfinger-redirect', to: 'social.gardeners.allmende.coop' }] },
      ],
    });
    const routes = (renderSite(mastodon).site.handle as any)[0].routes;
    expect(routes[0]).toEqual({
      match: [{ host: ['gardeners.example.org'], path: ['/.well-known/webfinger', '/.well-known/host-meta', '/.well-known/host-meta.json', '/.well-known/nodeinfo'] }],
      handle: [
        {
          handler: 'static_response',
          status_code: 301,
          headers: { Location: ['https://social.gardeners.allmende.coop{http.request.uri}'], 'Access-Control-Allow-Origin': ['*'] },
        },
      ],
    });
  });

  it('is the same object for the same site, whatever order hosts come in', () => {
    const reversed = site();
    reversed.hosts = [...reversed.hosts].reverse();
    expect(renderSite(reversed)).toEqual(renderSite(site()));
  });

  it('puts every input value into a JSON value of its own (nothing is spliced into JSON text)', () => {
    const rendered = renderSite(site());
    const json = JSON.stringify(rendered);
    expect(JSON.parse(json)).toEqual(rendered);
    // the only strings that combine input are "container:port" upstreams, Location templates and page texts
    expect(json).toContain('"allmende_upstream":"alm-gardeners-prosody-prosody:5280"');
  });
});

describe('refusals name the field', () => {
  it.each([
    ['gardeners.allmende.coop"},{"handler":"file_server","root":"/', 'hosts[0].name'],
    ['{http.request.header.X}.example.org', 'hosts[0].name'],
    ['GARDENERS.allmende.coop', 'hosts[0].name'],
    ['*.allmende.coop', 'hosts[0].name'],
  ])('hostile host %j', (name, field) => {
    const hostile = site({ hosts: [{ name, certificate: true, routes: [] }] });
    expect(fieldsOf(() => renderSite(hostile))).toHaveProperty([field]);
  });

  it('hostile paths, upstreams, tenant ids and redirect targets', () => {
    const hostile = {
      tenantId: '../../config',
      state: 'serving',
      network: 'alm net',
      hosts: [
        {
          name: 'gardeners.allmende.coop',
          certificate: 'yes',
          routes: [
            { kind: 'proxy', paths: ['/{http.request.uri}'], upstream: { container: 'evil:80/x', port: 99999 } },
            { kind: 'webfinger-redirect', to: 'evil.example.org/{env.HOME}' },
            { kind: 'file_server' },
          ],
        },
        { name: 'gardeners.allmende.coop', certificate: true, routes: [] },
      ],
      notice: { clubName: 'line\nbreak', paymentUrl: 'javascript:alert(1)' },
    } as unknown as EdgeSite;
    expect(Object.keys(fieldsOf(() => renderSite(hostile))).sort()).toEqual(
      [
        'tenantId',
        'network',
        'hosts[0].certificate',
        'hosts[0].routes[0].paths[0]',
        'hosts[0].routes[0].upstream.container',
        'hosts[0].routes[0].upstream.port',
        'hosts[0].routes[1].to',
        'hosts[0].routes[2].kind',
        'hosts[1].name',
        'notice.clubName',
        'notice.paymentUrl',
      ].sort(),
    );
  });

  it('a site without hosts, or in an unknown state', () => {
    expect(fieldsOf(() => renderSite(site({ hosts: [] })))).toEqual({ hosts: 'must list at least one host' });
    expect(fieldsOf(() => renderSite(site({ state: 'active' as never })))).toHaveProperty(['state']);
  });
});

describe('checkSites', () => {
  it('refuses a tenant listed twice and a host served by two tenants', () => {
    const other = site({ tenantId: 'other', network: 'alm-other' });
    const fields = fieldsOf(() => checkSites([site(), other, site()]));
    expect(fields['sites[1].hosts[0].name']).toBe(`is also a host of tenant ${TENANT}`);
    expect(fields['sites[2].tenantId']).toBe('is also sites[0]');
  });

  it('accepts distinct sites', () => {
    expect(() => checkSites([site(), site({ tenantId: 'other', hosts: [{ name: 'other.allmende.coop', certificate: true, routes: [] }] })])).not.toThrow();
  });
});

describe('texts and ids', () => {
  it('says how to pay when it can', () => {
    expect(pausedPageText({ paymentUrl: 'https://coop.example/pay' })).toContain('https://coop.example/pay');
    expect(pausedPageText()).toContain('contact your hosting cooperative');
  });

  it('maps @ids back to tenants, and nothing else', () => {
    expect(tenantOfId(`site-${TENANT}`, 'sites')).toBe(TENANT);
    expect(tenantOfId(`allow-${TENANT}`, 'allow')).toBe(TENANT);
    expect(tenantOfId('allmende-sites', 'sites')).toBeNull();
    expect(tenantOfId(`allow-${TENANT}`, 'sites')).toBeNull();
    expect(tenantOfId(42, 'sites')).toBeNull();
  });
});
