import { assembleConfig, caddyLiteral, canonicalJson, edgeBaseConfig, findList, plainTextResponse, withoutTenants } from './edge-config.js';
import { resolveEdgeOptions } from './edge-settings.js';

const internal = resolveEdgeOptions({ issuer: { kind: 'internal' } });
const acme = resolveEdgeOptions({ issuer: { kind: 'acme', email: 'ops@coop.example' }, hstsMaxAgeSeconds: 600 });
const production = { publishIp: '203.0.113.7', httpPort: 80, httpsPort: 443 };

describe('edgeBaseConfig', () => {
  const base = edgeBaseConfig(internal, { publishIp: '127.0.0.1', httpPort: 18080, httpsPort: 18443 });

  it('keeps the admin API on the unix socket (a config without admin would reopen TCP :2019)', () => {
    expect(base.admin).toEqual({ listen: 'unix//run/caddy/admin.sock', config: { persist: true } });
  });

  it('serves HTTPS on 8443 with on-demand certificates asked of the loopback allow-list', () => {
    const apps = base.apps as Record<string, any>;
    expect(apps.http.servers.https).toMatchObject({ listen: [':8443'], protocols: ['h1', 'h2'], tls_connection_policies: [{}] });
    expect(apps.tls.automation).toEqual({
      policies: [{ issuers: [{ module: 'internal', ca: 'local' }], on_demand: true }],
      on_demand: { ask: 'http://127.0.0.1:8081/allowed' },
    });
    expect(apps.http.servers.allow.listen).toEqual(['127.0.0.1:8081']);
    expect(apps.pki.certificate_authorities.local.install_trust).toBe(false);
  });

  it('begins the HTTPS routes with HSTS, proxies to the upstream a site chose, and ends with the catch-all 404', () => {
    const routes = (base.apps as any).http.servers.https.routes;
    expect(routes.map((route: any) => route['@id'])).toEqual(['allmende-hsts', 'allmende-sites', 'allmende-proxy', 'allmende-not-found']);
    expect(routes[2]).toMatchObject({
      match: [{ vars_regexp: { allmende_upstream: { pattern: expect.any(String) } } }],
      handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '{http.vars.allmende_upstream}' }] }],
    });
    const pattern = new RegExp(routes[2].match[0].vars_regexp.allmende_upstream.pattern);
    expect(pattern.test('alm-gardeners-wordpress-web:80')).toBe(true);
    expect(pattern.test('<nil>')).toBe(false);
    expect(pattern.test('')).toBe(false);
    expect(routes[0].handle[0].response.set['Strict-Transport-Security']).toEqual(['max-age=31536000']);
    expect(routes[3].handle[0]).toMatchObject({ handler: 'static_response', status_code: 404 });
  });

  it('redirects HTTP to the published HTTPS port, without a port when it is 443', () => {
    const location = (config: any) => config.apps.http.servers.http.routes[0].handle[0].headers.Location[0];
    expect(location(base)).toBe('https://{http.request.host}:18443{http.request.uri}');
    expect(location(edgeBaseConfig(internal, production))).toBe('https://{http.request.host}{http.request.uri}');
  });

  it('uses ACME with the operator\'s email and no internal CA in production', () => {
    const config = edgeBaseConfig(acme, production) as any;
    expect(config.apps.tls.automation.policies[0].issuers).toEqual([{ module: 'acme', email: 'ops@coop.example' }]);
    expect(config.apps.pki).toBeUndefined();
    expect(config.apps.http.servers.https.routes[0].handle[0].response.set['Strict-Transport-Security']).toEqual(['max-age=600']);
  });
});

describe('assembling and reading back', () => {
  const base = edgeBaseConfig(internal, production);

  it('puts tenant objects into their lists and takes them out again', () => {
    const site = { '@id': 'site-t1', match: [{ host: ['a.example.org'] }], handle: [] };
    const allow = { '@id': 'allow-t1', handle: [] };
    const config = assembleConfig(base, [site], [allow]);
    expect(findList(config, 'sites')).toEqual([site]);
    expect(findList(config, 'allow')).toEqual([allow]);
    expect(findList(base, 'sites')).toEqual([]); // the base itself is not changed
    expect(canonicalJson(withoutTenants(config))).toBe(canonicalJson(base));
    expect(withoutTenants({ admin: {} })).toBeUndefined();
  });

  it('compares objects regardless of key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  });
});

describe('literal text', () => {
  it('escapes Caddy placeholders so text comes out as written', () => {
    expect(caddyLiteral('Club {env.SECRET} and {file./etc/passwd}')).toBe('Club \\{env.SECRET\\} and \\{file./etc/passwd\\}');
    expect(plainTextResponse(200, 'a {b}').body).toBe('a \\{b\\}');
  });
});
