import { ValidationFailedError } from '#platform';
import { EDGE_IMAGE } from './edge-config.js';
import { edgeContainerSpec } from './edge-container.js';
import { checkHostSettings, resolveEdgeOptions } from './edge-settings.js';

function fieldsOf(run: () => unknown): Record<string, string> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailedError);
    return Object.fromEntries(Object.entries((error as ValidationFailedError).fields ?? {}).map(([field, problem]) => [field, String(problem.params?.detail ?? problem.code)]));
  }
  throw new Error('expected a ValidationFailedError');
}

describe('resolveEdgeOptions', () => {
  it('fills the defaults', () => {
    expect(resolveEdgeOptions({ issuer: { kind: 'internal' } })).toEqual({
      issuer: { kind: 'internal' },
      name: 'allmende-edge',
      image: 'allmende/caddy:2.6',
      hstsMaxAgeSeconds: 31_536_000,
      memoryBytes: 512 * 1024 * 1024,
      labels: {},
      readyTimeoutMs: 30_000,
      adminTimeoutMs: 60_000,
      fullLoadAbove: 10,
    });
  });

  it('names each bad field', () => {
    expect(fieldsOf(() => resolveEdgeOptions({ issuer: { kind: 'acme', email: 'not an email' } }))).toHaveProperty(['issuer.email']);
    expect(fieldsOf(() => resolveEdgeOptions({ issuer: { kind: 'acme', email: 'ops@coop.example', directoryUrl: 'http://ca.example/dir' } }))).toHaveProperty([
      'issuer.directoryUrl',
    ]);
    expect(fieldsOf(() => resolveEdgeOptions({ issuer: { kind: 'acme', email: 'ops@coop.example', directoryUrl: 'https://ca.example/{env.X}' } }))).toHaveProperty([
      'issuer.directoryUrl',
    ]);
    expect(fieldsOf(() => resolveEdgeOptions({ issuer: { kind: 'self-signed' } as never }))).toHaveProperty(['issuer.kind']);
    expect(fieldsOf(() => resolveEdgeOptions({ issuer: { kind: 'internal' }, name: 'a b', labels: { 'allmende.managed': 'false' } }))).toEqual({
      name: expect.any(String),
      'labels.allmende.managed': expect.any(String),
    });
  });

  it('accepts ACME with an email and an optional https directory', () => {
    expect(resolveEdgeOptions({ issuer: { kind: 'acme', email: 'ops@coop.example', directoryUrl: 'https://acme-staging.example/directory' } }).issuer).toEqual({
      kind: 'acme',
      email: 'ops@coop.example',
      directoryUrl: 'https://acme-staging.example/directory',
    });
  });
});

describe('host settings and the edge container', () => {
  const options = resolveEdgeOptions({ issuer: { kind: 'internal' }, labels: { 'allmende-e2e.run': 'x1' } });

  it('names each bad host setting', () => {
    expect(fieldsOf(() => checkHostSettings({ publishIp: 'example.org', httpPort: 0, httpsPort: 80 }))).toEqual({
      publishIp: expect.any(String),
      httpPort: expect.any(String),
    });
    expect(fieldsOf(() => checkHostSettings({ publishIp: '203.0.113.7', httpPort: 80, httpsPort: 80 }))).toEqual({ httpsPort: 'must differ from httpPort' });
  });

  it('publishes the host ports on the unprivileged container ports, nothing else, with no capability', () => {
    const spec = edgeContainerSpec(options, { publishIp: '203.0.113.7', httpPort: 80, httpsPort: 443 });
    expect(spec).toMatchObject({
      role: 'edge',
      name: 'allmende-edge',
      network: 'allmende-edge',
      image: 'allmende/caddy:2.6',
      command: ['caddy', 'run', '--resume', '--config', EDGE_IMAGE.bootstrapConfig],
      ports: [
        { container: 8080, protocol: 'tcp', hostIp: '203.0.113.7', hostPort: 80 },
        { container: 8443, protocol: 'tcp', hostIp: '203.0.113.7', hostPort: 443 },
      ],
      volumes: [{ name: 'allmende-edge-data', target: '/var/lib/caddy' }],
      readOnlyRootfs: true,
      capAdd: [],
      labels: { 'allmende-e2e.run': 'x1' },
    });
    expect(spec.tmpfs?.['/run/caddy']).toContain('mode=0700,uid=990,gid=990');
    expect(spec.sysctls).toMatchObject({ 'net.ipv4.ip_forward': '0', 'net.ipv4.conf.default.forwarding': '0' });
  });
});
