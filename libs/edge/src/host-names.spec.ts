import { dockerNameProblem, hostNameProblem, isHostName, pathPatternProblem, portProblem, tenantIdProblem } from './host-names.js';

describe('hostNameProblem', () => {
  it.each(['club.example.org', 'a.b', 'xn--grtner-verein-bsb.example.org', 'gardeners.allmende.coop', 'a-b.c-d.example', '1club.example.org'])('accepts %s', (name) => {
    expect(hostNameProblem(name)).toBeUndefined();
    expect(isHostName(name)).toBe(true);
  });

  it.each([
    ['', 'host name'],
    ['localhost', 'two labels'],
    ['Club.Example.org', 'lower case'],
    ['club.example.org.', 'letters'],
    ['*.example.org', 'letters'],
    ['-club.example.org', 'letters'],
    ['club-.example.org', 'letters'],
    ['club..example.org', 'letters'],
    ['gärtner.example.org', 'letters'],
    ['club.example.org:443', 'letters'],
    ['club.example.org/evil', 'letters'],
    ['club example.org', 'letters'],
    ['club.example.org"},{"handler":"file_server', 'letters'],
    ['{http.request.host}.example.org', 'letters'],
    ['club.example.org\nx-injected: 1', 'letters'],
    ['10.0.0.1', 'IP address'],
    ['ab--cd.example.org', 'punycode'],
    [`${'a'.repeat(64)}.example.org`, 'letters'],
    [`${'a.'.repeat(127)}ab`, '253'],
  ])('refuses %j', (name, why) => {
    expect(hostNameProblem(name)).toContain(why);
  });

  it('refuses what is not a string', () => {
    expect(hostNameProblem(42)).toBeDefined();
    expect(hostNameProblem(undefined)).toBeDefined();
  });
});

describe('other names', () => {
  it('tenant ids: uuids and slugs, nothing that could leave an admin API path', () => {
    expect(tenantIdProblem('3f1c2a9e-8b7d-4c6e-9f00-123456789abc')).toBeUndefined();
    expect(tenantIdProblem('gardeners')).toBeUndefined();
    for (const bad of ['', '../config', 'a/b', 'a b', '-a', 'a?x=1', 'x'.repeat(65)]) expect(tenantIdProblem(bad)).toBeDefined();
  });

  it('Docker names', () => {
    expect(dockerNameProblem('alm-gardeners-wordpress-web')).toBeUndefined();
    for (const bad of ['', 'a', '/etc', 'a:80', 'a b']) expect(dockerNameProblem(bad)).toBeDefined();
  });

  it('path patterns: exact or prefix*, plain characters only', () => {
    for (const good of ['/', '/http-bind', '/http-bind/*', '/xmpp-websocket*', '/.well-known/webfinger']) expect(pathPatternProblem(good)).toBeUndefined();
    for (const bad of ['', 'http-bind', '/a*b', '/{http.request.uri}', '/a b', '/../etc', '/a/./b', '/a?x', '/%2e%2e']) expect(pathPatternProblem(bad)).toBeDefined();
  });

  it('ports', () => {
    expect(portProblem(8080)).toBeUndefined();
    for (const bad of [0, 65536, 80.5, '80', -1]) expect(portProblem(bad)).toBeDefined();
  });
});
