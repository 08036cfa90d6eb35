import { createPrivateKey, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaddyEdgeProxy, EdgeError, EDGE_ROLE, type EdgeHostSettings, type EdgeSite } from '#edge';
import { freePort, ValidationFailedError } from '#platform';
import { LABELS } from '#runtime';
import { DockerodeRuntime } from '#runtime/docker';
import { removeLabelled, requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { BUSYBOX, CADDY, edgeHttp, edgeHttps, failureOf, webPlan, type FixtureTenant } from '#test/support/edge.js';

// The edge proxy on a real engine: the allmende/caddy:2.6 image, two tenants whose busybox
// web servers have the same alias on their own networks, real TLS from Caddy's internal CA,
// verified by node against the root the edge hands out.

const RUN = randomBytes(3).toString('hex');
const RUN_LABEL = `allmende-e2e.run=${RUN}`;
const runLabels = { 'allmende-e2e.run': RUN };
const engine = testEngine();
const docker = testDocker(engine);
const runtime = new DockerodeRuntime({ stopTimeoutSeconds: 2, pollIntervalMs: 200, healthTimeoutMs: 30_000 });
const EDGE_NAME = `alm-edge-e2e-${RUN}`;
const edge = new CaddyEdgeProxy(runtime, { issuer: { kind: 'internal' }, name: EDGE_NAME, labels: runLabels, readyTimeoutMs: 30_000 });
const edgeRef = { role: EDGE_ROLE, name: EDGE_NAME };

const a: FixtureTenant = { id: `e2e-${RUN}-a`, slug: `edgea${RUN}` };
const b: FixtureTenant = { id: `e2e-${RUN}-b`, slug: `edgeb${RUN}` };
// both tenants' services are called "web" in an app called "site": the same alias site-web on each network
const planA = webPlan(a, 'site', [{ service: 'web', greeting: 'A' }, { service: 'chat', greeting: 'A chat' }], runLabels);
const planB = webPlan(b, 'site', [{ service: 'web', greeting: 'B' }], runLabels);
const hostA = `a-${RUN}.clubs.example.test`;
const hostA2 = `docs-a-${RUN}.clubs.example.test`;
const hostB = `b-${RUN}.clubs.example.test`;
const handleB = `handle-b-${RUN}.example.test`;
const unverified = `custom-b-${RUN}.example.test`;
const xmppB = `chat-b-${RUN}.example.test`;

let host: EdgeHostSettings;
let root: string;

function siteA(state: EdgeSite['state'] = 'serving'): EdgeSite {
  return {
    tenantId: a.id,
    state,
    network: planA.network.name,
    hosts: [
      {
        name: hostA,
        certificate: true,
        routes: [
          { kind: 'proxy', upstream: { container: planA.containers[0].name, port: 8080 } },
          { kind: 'proxy', paths: ['/http-bind', '/http-bind/*'], upstream: { container: planA.containers[1].name, port: 8080 } },
        ],
      },
      // only one path is routed here: every other path reaches the catch-all 404
      { name: hostA2, certificate: true, routes: [{ kind: 'proxy', paths: ['/http-bind/*'], upstream: { container: planA.containers[0].name, port: 8080 } }] },
    ],
    notice: { clubName: 'Gardeners {env.HOME}', paymentUrl: 'https://coop.example.test/pay/gardeners' },
  };
}

function siteB(): EdgeSite {
  return {
    tenantId: b.id,
    state: 'serving',
    network: planB.network.name,
    hosts: [
      { name: hostB, certificate: true, routes: [{ kind: 'proxy', upstream: { container: planB.containers[0].name, port: 8080 } }] },
      { name: handleB, certificate: true, routes: [{ kind: 'webfinger-redirect', to: hostB }] },
      // an XMPP domain: no web routes, but Prosody needs its certificate (certificateFor)
      { name: xmppB, certificate: true, routes: [] },
      // a custom domain not verified yet: routed, but no certificate may be obtained for it
      { name: unverified, certificate: false, routes: [{ kind: 'proxy', upstream: { container: planB.containers[0].name, port: 8080 } }] },
    ],
  };
}

const get = (name: string, path = '/') => edgeHttps(host.httpsPort, name, path, root);

/**
 * Runs requests against B until stopped; every one must be a 200 from B. Like browsers, a GET
 * that fails because the server closed its idle kept-alive connection (Caddy closes idle
 * HTTP/1.1 connections of the old config on each change) is sent again once, on a new
 * connection; those are counted apart. A failure on a fresh connection is a failure.
 */
function requestLoop(name: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const outcomes = { ok: 0, retried: 0, failed: [] as string[] };
  let running = true;
  const once = async (): Promise<void> => {
    const response = await edgeHttps(host.httpsPort, name, '/', root, agent);
    if (response.status === 200 && response.body.trim() === 'hello from B') outcomes.ok++;
    else outcomes.failed.push(`${response.status} ${response.body.trim()}`);
  };
  const done = (async () => {
    while (running) {
      try {
        await once();
      } catch (error) {
        const closedIdle = (error as { reusedSocket?: boolean; code?: string }).reusedSocket && (error as { code?: string }).code === 'ECONNRESET';
        if (!closedIdle) outcomes.failed.push((error as Error).message);
        else {
          outcomes.retried++;
          await once().catch((again: Error) => outcomes.failed.push(`after a retry: ${again.message}`));
        }
      }
      await sleep(10);
    }
    agent.destroy();
  })();
  return {
    outcomes,
    stop: async () => {
      running = false;
      await done;
      return outcomes;
    },
  };
}

async function edgeInfo() {
  return docker.getContainer(EDGE_NAME).inspect();
}

/** Runs a shell line in tenant A's web container (busybox). */
async function inTenantA(script: string) {
  return runtime.exec(engine, planA.containers[0].name, ['sh', '-c', script], { timeoutMs: 30_000 });
}

beforeAll(async () => {
  await requireImages(engine, [BUSYBOX, CADDY]);
  host = { publishIp: '127.0.0.1', httpPort: await freePort(), httpsPort: await freePort() };
  await runtime.apply(engine, planA);
  await runtime.apply(engine, planB);
}, 120_000);

afterAll(async () => {
  await runtime.removeSystemContainer(engine, edgeRef, { volumes: true, network: true }).catch(() => undefined);
  await removeLabelled(engine, [`${LABELS.tenant}=${a.id}`, `${LABELS.tenant}=${b.id}`, RUN_LABEL]);
});

describe('edge container', () => {
  it('creates the labelled edge: unprivileged, read-only, published on the host ports, admin API on a socket only', async () => {
    const status = await edge.ensureEdge(engine, host);
    expect(status.container).toMatchObject({ created: true, started: true });
    expect(status.base).toBe('missing'); // the bootstrap config: the base was loaded

    const info = await edgeInfo();
    expect(info.Config.Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.role]: 'edge' });
    expect(info.Config.Labels[LABELS.tenant]).toBeUndefined();
    expect(info.Config.User).toBe('990:990');
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.CapAdd ?? []).toEqual([]);
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(host.httpPort) }],
      '8443/tcp': [{ HostIp: '127.0.0.1', HostPort: String(host.httpsPort) }],
    });
    expect(info.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Name: `${EDGE_NAME}-data`, Destination: '/var/lib/caddy' })]);
    const volume = await docker.getVolume(`${EDGE_NAME}-data`).inspect();
    expect(volume.Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.role]: 'edge' });

    root = await edge.rootCertificate(engine);
    expect(new X509Certificate(root).subject).toContain('Allmende edge CA');
  });

  it('changes nothing when ensured again', async () => {
    const before = (await edgeInfo()).Id;
    const status = await edge.ensureEdge(engine, host);
    expect(status).toEqual({ container: { created: false, replaced: false, started: false, networks: [] }, base: 'ok' });
    expect((await edgeInfo()).Id).toBe(before);
  });
});

describe('sites', () => {
  it('serves each tenant over verified TLS by container name, although both have the alias site-web', async () => {
    const report = await edge.reconcile(engine, host, [siteA(), siteB()]);
    expect(report.mode).toBe('incremental');
    expect(report.networks.connected.sort()).toEqual([planA.network.name, planB.network.name].sort());
    expect(report.changes.map((change) => `${change.op} ${change.id}`).sort()).toEqual(
      [`add site-${a.id}`, `add allow-${a.id}`, `add site-${b.id}`, `add allow-${b.id}`].sort(),
    );

    const fromA = await get(hostA);
    expect(fromA.status).toBe(200);
    expect(fromA.body.trim()).toBe('hello from A');
    expect(fromA.certificate?.subjectaltname).toContain(`DNS:${hostA}`);
    expect(fromA.headers['strict-transport-security']).toBe('max-age=31536000');
    const fromB = await get(hostB);
    expect(fromB.body.trim()).toBe('hello from B');
    // a path route goes to another service of the tenant
    expect((await get(hostA, '/http-bind/')).body.trim()).toBe('hello from A chat');
    expect((await edge.drift(engine, host, [siteA(), siteB()])).inSync).toBe(true);

    // why names and not aliases: on both networks, the edge resolves site-web to one address only
    const resolved = await runtime.execInSystemContainer(engine, edgeRef, ['getent', 'ahostsv4', 'site-web']);
    expect(new Set(resolved.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0])).size).toBe(1);
  });

  it('answers a routed host\'s unrouted path with the catch-all 404 page, with HSTS', async () => {
    expect((await get(hostA2, '/http-bind/')).body.trim()).toBe('hello from A');
    const missing = await get(hostA2, '/');
    expect(missing.status).toBe(404);
    expect(missing.body).toBe('There is no site at this address.\n');
    expect(missing.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(missing.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('refuses the TLS handshake for names no site allows a certificate for', async () => {
    const unknown = await failureOf(get(`nobody-${RUN}.example.test`));
    expect(`${unknown.code} ${unknown.message}`).toMatch(/alert internal error|ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR/i);
    const notVerified = await failureOf(get(unverified));
    expect(`${notVerified.code} ${notVerified.message}`).toMatch(/alert internal error|ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR/i);
  });

  it('redirects HTTP to HTTPS on the published HTTPS port', async () => {
    const response = await edgeHttp(host.httpPort, hostA, '/some/page?x=1');
    expect(response.status).toBe(308);
    expect(response.headers.location).toBe(`https://${hostA}:${host.httpsPort}/some/page?x=1`);
  });

  it('redirects Mastodon\'s webfinger from the handle domain to the web domain, with CORS', async () => {
    const response = await get(handleB, '/.well-known/webfinger?resource=acct:chair@' + handleB);
    expect(response.status).toBe(301);
    expect(response.headers.location).toBe(`https://${hostB}/.well-known/webfinger?resource=acct:chair@${handleB}`);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect((await get(handleB, '/')).status).toBe(404);
  });

  it('follows one tenant\'s state (paused page, 404 page, back) without interrupting the other', async () => {
    const loop = requestLoop(hostB);
    try {
      await sleep(300);
      const paused = await edge.applySite(engine, siteA('paused'));
      expect(paused).toMatchObject({ site: 'updated', allow: 'updated', network: 'disconnected' });
      const pausedPage = await get(hostA);
      expect(pausedPage.status).toBe(200);
      expect(pausedPage.headers['content-type']).toBe('text/plain; charset=utf-8');
      // the club's name is shown literally: Caddy did not expand the {placeholder} in it
      expect(pausedPage.body).toContain('Gardeners {env.HOME}: this service is paused.');
      expect(pausedPage.body).toContain('https://coop.example.test/pay/gardeners');
      expect(pausedPage.body).not.toContain('hello from A');

      await edge.applySite(engine, siteA('gone'));
      const gonePage = await get(hostA);
      expect(gonePage.status).toBe(404);
      expect(gonePage.body).toBe('This service is no longer hosted here.\n');

      expect((await edge.applySite(engine, siteA('serving'))).network).toBe('connected');
      expect((await get(hostA)).body.trim()).toBe('hello from A');
      await sleep(300);
    } finally {
      await loop.stop();
    }
    expect(loop.outcomes.failed).toEqual([]);
    expect(loop.outcomes.ok).toBeGreaterThan(10);
    expect(loop.outcomes.retried).toBeLessThanOrEqual(3); // at most one closed idle connection per change
  });

  it('lists what it serves', async () => {
    const observed = await edge.observe(engine);
    expect(observed.base).toBe('present');
    expect(observed.sites).toEqual(
      [
        { tenantId: a.id, hosts: [hostA2, hostA].sort(), certificateHosts: [hostA2, hostA].sort(), state: 'serving' },
        { tenantId: b.id, hosts: [handleB, hostB, unverified, xmppB].sort(), certificateHosts: [handleB, hostB, xmppB].sort(), state: 'serving' },
      ].sort((x, y) => (x.tenantId < y.tenantId ? -1 : 1)),
    );
    expect(observed.networks.map((n) => n.name).sort()).toEqual([planA.network.name, planB.network.name].sort());
  });

  it('refuses hostile input naming the field, before changing anything', async () => {
    const hostile = { ...siteB(), hosts: [{ name: 'evil.example.test"},{"handler":"file_server', certificate: true, routes: [] }] };
    const error = await failureOf(edge.applySite(engine, hostile));
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect((error as ValidationFailedError).fields).toHaveProperty(['hosts[0].name']);
    expect((await get(hostB)).body.trim()).toBe('hello from B');
  });
});

describe('drift and repair', () => {
  it('reports a route deleted behind Allmende\'s back and restores it', async () => {
    const deleted = await runtime.execInSystemContainer(engine, edgeRef, [
      'curl', '-sS', '--unix-socket', '/run/caddy/admin.sock', '-H', 'Host: ', '-X', 'DELETE', `http://localhost/id/site-${a.id}`,
    ]);
    expect(deleted.exitCode).toBe(0);
    expect((await get(hostA)).status).toBe(404);

    const drift = await edge.drift(engine, host, [siteA(), siteB()]);
    expect(drift.inSync).toBe(false);
    expect(drift.changes).toEqual([expect.objectContaining({ op: 'add', list: 'sites', id: `site-${a.id}` })]);

    const report = await edge.reconcile(engine, host, [siteA(), siteB()]);
    expect(report.mode).toBe('incremental');
    expect((await get(hostA)).body.trim()).toBe('hello from A');
    expect((await edge.drift(engine, host, [siteA(), siteB()])).inSync).toBe(true);
  });

  it('is unavailable while its container is gone, and reconcile recreates it with the same CA and every site', async () => {
    await docker.getContainer(EDGE_NAME).remove({ force: true });
    const error = await failureOf(edge.applySite(engine, siteB()));
    expect(error).toBeInstanceOf(EdgeError);
    expect((error as EdgeError).code).toBe('edge.unavailable');

    const report = await edge.reconcile(engine, host, [siteA(), siteB()]);
    expect(report.container.created).toBe(true);
    // the volume kept the autosaved config: the new container resumed it, networks were joined again
    expect(report.networks.connected.sort()).toEqual([planA.network.name, planB.network.name].sort());
    expect(await edge.rootCertificate(engine)).toBe(root);
    expect((await get(hostA)).body.trim()).toBe('hello from A');
    expect((await get(hostB)).body.trim()).toBe('hello from B');
  });

  it('starts a stopped edge again, which resumes its saved config', async () => {
    await docker.getContainer(EDGE_NAME).stop({ t: 2 });
    const status = await edge.ensureEdge(engine, host);
    expect(status.container).toMatchObject({ created: false, started: true });
    expect(status.base).toBe('ok');
    expect((await get(hostB)).body.trim()).toBe('hello from B');
  });

  it('replaces a wiped config with one load', async () => {
    const wiped = await runtime.execInSystemContainer(
      engine,
      edgeRef,
      ['curl', '-sS', '--unix-socket', '/run/caddy/admin.sock', '-H', 'Host: ', '-H', 'Content-Type: application/json', '--data-binary', '@-', 'http://localhost/load'],
      { stdin: JSON.stringify({ admin: { listen: 'unix//run/caddy/admin.sock' } }) },
    );
    expect(wiped.exitCode).toBe(0);
    const report = await edge.reconcile(engine, host, [siteA(), siteB()]);
    expect(report.base).toBe('missing');
    expect(report.mode).toBe('full');
    expect((await get(hostA)).body.trim()).toBe('hello from A');
    expect((await edge.drift(engine, host, [siteA(), siteB()])).inSync).toBe(true);
  });
});

describe('isolation', () => {
  it('keeps tenants apart: A resolves site-web to its own container, not B\'s, and the edge routes no packets between them', async () => {
    // (busybox-static's wget crashes here; nc speaks the HTTP, nslookup resolves)
    const httpGet = (address: string) => inTenantA(`printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 ${address} 8080`);
    const addressOf = async (name: string, network: string) => (await docker.getContainer(name).inspect()).NetworkSettings.Networks[network].IPAddress;
    const ownAddress = await addressOf(planA.containers[0].name, planA.network.name);
    const bAddress = await addressOf(planB.containers[0].name, planB.network.name);
    const alias = await inTenantA('busybox nslookup site-web 127.0.0.11');
    expect(alias.stdout).toContain(`Address: ${ownAddress}`);
    expect(alias.stdout).not.toContain(bAddress);
    expect((await httpGet(ownAddress)).stdout).toContain('hello from A');
    const byName = await inTenantA(`busybox nslookup ${planB.containers[0].name} 127.0.0.11`);
    expect(byName.stdout).not.toContain(bAddress);

    // the edge is on both networks: forwarding is off on every interface, those joined later included
    const forwarding = await runtime.execInSystemContainer(engine, edgeRef, ['sh', '-c', 'grep -H . /proc/sys/net/ipv4/conf/*/forwarding /proc/sys/net/ipv6/conf/*/forwarding']);
    const lines = forwarding.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(6); // all, default, lo and three eth* for v4 and v6
    expect(lines.filter((line) => !line.endsWith(':0'))).toEqual([]);
    // (B's address itself is kept from A by dockerd's iptables isolation chains between bridges: the runtime's part)
  });

  it('lets a tenant container reach nothing on the edge but its HTTP and HTTPS listeners', async () => {
    const info = await edgeInfo();
    const edgeAddress = info.NetworkSettings.Networks[planA.network.name].IPAddress;
    expect(edgeAddress).toBeTruthy();
    // Caddy's own listeners: only 8080 and 8443 outside loopback (the allow-list is on 127.0.0.1, the admin API a unix socket)
    const listeners = await runtime.execInSystemContainer(engine, edgeRef, ['cat', '/proc/net/tcp', '/proc/net/tcp6']);
    const listening = listeners.stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A')
      .map((fields) => fields[1]);
    const outside = listening.filter((address) => !/^(0100007F|0B00007F|[0-9A-F]{24}0100007F|0{24}01000000):/.test(address));
    expect(outside.map((address) => parseInt(address.split(':')[1], 16)).sort()).toEqual([8080, 8443]);

    // from inside tenant A: the allow-list port, Caddy's usual admin port and the public ports
    const probe = await inTenantA(
      ['8081', '2019', '80', '443', '8080', '8443'].map((port) => `if busybox nc -w 2 ${edgeAddress} ${port} </dev/null >/dev/null 2>&1; then echo ${port}:open; else echo ${port}:closed; fi`).join('; '),
    );
    expect(probe.stdout.trim().split('\n')).toEqual(['8081:closed', '2019:closed', '80:closed', '443:closed', '8080:open', '8443:open']);
  });
});

describe('certificates', () => {
  it('hands out the certificate and key it holds for a host, matching and valid for the name', async () => {
    const certificate = await edge.certificateFor(engine, hostA);
    const leaf = new X509Certificate(certificate.certificatePem);
    expect(leaf.checkHost(hostA)).toBe(hostA);
    expect(certificate.issuer).toBe('local');
    expect(certificate.notAfter.getTime()).toBeGreaterThan(Date.now());
    const publicFromKey = createPublicKey(createPrivateKey(certificate.privateKeyPem)).export({ type: 'spki', format: 'pem' });
    expect(leaf.publicKey.export({ type: 'spki', format: 'pem' })).toBe(publicFromKey);
    // the chain leads to the root the edge hands out
    const chain = certificate.certificatePem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    expect(chain.length).toBeGreaterThanOrEqual(2);
    expect(new X509Certificate(chain[chain.length - 1]).verify(new X509Certificate(root).publicKey)).toBe(true);
  });

  it('obtains one on request for an allowed name, and is refused for a name not allowed', async () => {
    const missing = await failureOf(edge.certificateFor(engine, xmppB));
    expect((missing as EdgeError).code).toBe('edge.certificate_missing');
    expect(new X509Certificate((await edge.certificateFor(engine, xmppB, { obtain: true })).certificatePem).checkHost(xmppB)).toBe(xmppB);
    const refused = await failureOf(edge.certificateFor(engine, unverified, { obtain: true }));
    expect((refused as EdgeError).code).toBe('edge.certificate_refused');
  });
});

describe('removal', () => {
  it('removes one tenant: its host gets the catch-all page, the edge leaves its network, which the runtime can then remove', async () => {
    const loop = requestLoop(hostB);
    try {
      expect(await edge.removeSite(engine, a.id)).toBe(true);
      expect(await edge.removeSite(engine, a.id)).toBe(false);
    } finally {
      await loop.stop();
    }
    expect(loop.outcomes.failed).toEqual([]);

    const after = await get(hostA); // the certificate is still cached; the route is gone
    expect(after.status).toBe(404);
    expect(after.body).toBe('There is no site at this address.\n');
    expect(Object.keys((await edgeInfo()).NetworkSettings.Networks)).not.toContain(planA.network.name);
    expect((await edge.observe(engine)).sites.map((site) => site.tenantId)).toEqual([b.id]);

    const removal = await runtime.remove(engine, a.id, { volumes: true });
    expect(removal.networks).toEqual([planA.network.name]);
    // the desired set without A is what the edge now serves
    expect((await edge.drift(engine, host, [siteB()])).inSync).toBe(true);
  });
});
