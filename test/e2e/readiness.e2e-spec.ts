import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaddyEdgeProxy, EDGE_ROLE, type EdgeHostSettings, type EdgeSite } from '#edge';
import { freePort } from '#platform';
import {
  CustomDomainsService, Domain, evaluateWebfinger, httpGet, probeTls, ReadinessService, ReadinessSettings, ServiceInstance, Tenant, TenantReadiness, TenantsService,
  type CheckResult, type ReadinessReport,
} from '#provisioning';
import { type DeploymentPlan, LABELS, type PlannedContainer } from '#runtime';
import { DockerodeRuntime } from '#runtime/docker';
import { ApiHarness, startApiHarness } from '#test/support/api-harness.js';
import { startDnsServer, type TestDnsServer } from '#test/support/dns-server.js';
import { removeLabelled, requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { BUSYBOX, CADDY } from '#test/support/edge.js';
import { addMember, type Club, createClub } from '#test/support/fixtures.js';

// Readiness checks against real servers: a Knot DNS server on loopback, the edge (Caddy from
// allmende/caddy:2.6, its internal CA) in front of a busybox web upstream that answers like
// Mastodon's well-known endpoints and WordPress's REST index, and the real allmende/prosody
// image for XMPP. TLS is always verified, against the edge's root. A first run finds exactly
// what is wrong (Prosody's self-signed certificate, WordPress's old home URL, no CORS on
// WebFinger); after the test fixes them, the same checks pass.

const PROSODY = 'allmende/prosody:0.12';
const RUN = randomBytes(3).toString('hex');
const runLabels = { 'allmende-e2e.run': RUN };
const engine = testEngine();
const docker = testDocker(engine);
const runtime = new DockerodeRuntime({ stopTimeoutSeconds: 2, pollIntervalMs: 200, healthTimeoutMs: 60_000 });
const EDGE_NAME = `alm-edge-rd-${RUN}`;
const edge = new CaddyEdgeProxy(runtime, { issuer: { kind: 'internal' }, name: EDGE_NAME, labels: runLabels, readyTimeoutMs: 30_000 });
const BASE = 'hosting.test';
const MiB = 1024 * 1024;

const slug = `rd${RUN}`;
const subdomain = `${slug}.${BASE}`;
const custom = `club${RUN}.clubs.test`;
const handle = `handle${RUN}.clubs.test`;
const fixtureTenantId = `e2e-rd-${RUN}`;

const withHash = (body: Omit<DeploymentPlan, 'hash'>): DeploymentPlan => ({ ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') });

const baseContainer = (service: string, image: string): PlannedContainer => ({
  service, name: `alm-${slug}-${service}`, image, env: {}, labels: { ...runLabels }, mounts: [], ports: [], capabilities: [], readOnlyRootFilesystem: false, tmpfs: [],
  resources: { memoryBytes: 64 * MiB, nanoCpus: 500_000_000, pidsLimit: 64 }, restartPolicy: 'unless-stopped', oneShot: false, dependsOn: [],
});

// The web upstream: fixed files, their contents from the environment (data, never shell text).
const WEB_SCRIPT = [
  'mkdir -p /tmp/www/.well-known /tmp/www/nodeinfo /tmp/www/wp-json',
  `printf '%s' "$HOST_META" > /tmp/www/.well-known/host-meta`,
  `printf '%s' "$NODEINFO_INDEX" > /tmp/www/.well-known/nodeinfo`,
  `printf '%s' "$WEBFINGER" > /tmp/www/.well-known/webfinger`,
  `printf '%s' "$NODEINFO" > /tmp/www/nodeinfo/2.0`,
  `printf '%s' "$WP_JSON" > /tmp/www/wp-json/index.html`,
  'echo hello > /tmp/www/index.html',
  'exec httpd -f -p 8080 -h /tmp/www',
].join(' && ');

function webPlan(): DeploymentPlan {
  const web = {
    ...baseContainer('web', BUSYBOX),
    command: ['sh', '-c', WEB_SCRIPT],
    env: {
      HOST_META: `<?xml version="1.0" encoding="UTF-8"?><XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0"><Link rel="lrdd" template="https://${custom}/.well-known/webfinger?resource={uri}"/></XRD>`,
      NODEINFO_INDEX: JSON.stringify({ links: [{ rel: 'http://nodeinfo.diaspora.software/ns/schema/2.0', href: `https://${custom}/nodeinfo/2.0` }] }),
      WEBFINGER: JSON.stringify({ subject: `acct:${custom}@${custom}`, links: [] }),
      NODEINFO: JSON.stringify({ version: '2.0', software: { name: 'mastodon', version: '4.3.0' } }),
      // the old address: what a club sees after moving to its own domain without telling WordPress
      WP_JSON: JSON.stringify({ name: 'Club', url: `https://${subdomain}`, home: `https://${subdomain}` }),
    },
    healthcheck: { test: ['CMD', 'busybox', 'wget', '-q', '-O-', 'http://127.0.0.1:8080/'], intervalSeconds: 1, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 0 },
  };
  return withHash({ tenant: { id: fixtureTenantId, slug }, app: 'site', version: '1', network: { name: `alm-${slug}`, labels: { ...runLabels } }, volumes: [], containers: [web], hooks: { firstStart: [], backup: [], upgrade: [] } });
}

function prosodyPlan(): DeploymentPlan {
  const volume = `alm-${slug}-prosody-data`;
  const prosody: PlannedContainer = {
    ...baseContainer('prosody', PROSODY),
    command: ['prosody', '-F'],
    user: 'prosody',
    readOnlyRootFilesystem: true,
    tmpfs: [{ target: '/run/prosody', sizeBytes: MiB, mode: '1777' }],
    env: { ALLMENDE_XMPP_DOMAIN: custom, ALLMENDE_XMPP_STORAGE: 'internal' },
    mounts: [{ volume, target: '/var/lib/prosody', readOnly: false }],
    ports: [{ container: 5222, protocol: 'tcp', publish: true }, { container: 5269, protocol: 'tcp', publish: true }],
    healthcheck: { test: ['CMD', 'allmende-healthcheck'], intervalSeconds: 1, timeoutSeconds: 5, retries: 30, startPeriodSeconds: 0 },
    resources: { memoryBytes: 256 * MiB, nanoCpus: 500_000_000, pidsLimit: 256 },
  };
  return withHash({
    tenant: { id: fixtureTenantId, slug }, app: 'prosody', version: '0.12', network: { name: `alm-${slug}`, labels: { ...runLabels } },
    volumes: [{ key: 'data', name: volume, labels: { ...runLabels }, backup: false }], containers: [prosody], hooks: { firstStart: [], backup: [], upgrade: [] },
  });
}

describe('readiness checks against real servers (edge with its CA, busybox upstream, Prosody, Knot DNS)', () => {
  let dns: TestDnsServer;
  let harness: ApiHarness;
  let host: EdgeHostSettings;
  let root: string;
  let club: Club;
  let tenant: Tenant;
  let ports: { c2s: number; s2s: number };
  let readiness: ReadinessService;

  const site = (web: PlannedContainer): EdgeSite => ({
    tenantId: fixtureTenantId,
    state: 'serving',
    network: `alm-${slug}`,
    hosts: [
      { name: subdomain, certificate: true, routes: [{ kind: 'proxy', upstream: { container: web.name, port: 8080 } }] },
      { name: custom, certificate: true, routes: [{ kind: 'proxy', upstream: { container: web.name, port: 8080 } }] },
      { name: handle, certificate: true, routes: [{ kind: 'webfinger-redirect', to: custom }] },
    ],
  });

  beforeAll(async () => {
    await requireImages(engine, [BUSYBOX, CADDY, PROSODY]);
    host = { publishIp: '127.0.0.1', httpPort: await freePort(), httpsPort: await freePort() };
    const web = webPlan();
    await runtime.apply(engine, web);
    const applied = await runtime.apply(engine, prosodyPlan());
    ports = {
      c2s: applied.ports.find((port) => port.container === 5222)!.hostPort,
      s2s: applied.ports.find((port) => port.container === 5269)!.hostPort,
    };
    await edge.reconcile(engine, host, [site(web.containers[0])]);
    root = await edge.rootCertificate(engine);

    dns = await startDnsServer({
      [BASE]: [{ owner: slug, type: 'A', data: '127.0.0.1' }],
      'clubs.test': [
        { owner: `club${RUN}`, type: 'CNAME', data: `${subdomain}.` },
        { owner: `handle${RUN}`, type: 'CNAME', data: `${subdomain}.` },
        { owner: `_xmpp-client._tcp.club${RUN}`, type: 'SRV', data: `0 5 ${ports.c2s} ${subdomain}.` },
        { owner: `_xmpp-server._tcp.club${RUN}`, type: 'SRV', data: `0 5 ${ports.s2s} ${subdomain}.` },
      ],
    });
    harness = await startApiHarness({ ALLMENDE_BASE_DOMAIN: BASE, ALLMENDE_DNS_RESOLVERS: dns.address });
    // how probes reach this host: the edge's published ports, trusting its internal CA
    harness.app.get(ReadinessSettings).forTenant = async () => ({ httpPort: host.httpPort, httpsPort: host.httpsPort, ca: [root], timeoutMs: 5_000 });
    readiness = harness.app.get(ReadinessService);

    club = await createClub(harness, 'Readiness Club');
    tenant = await harness.app.get(TenantsService).create({ organizationId: club.organizationId, planCode: 'chat', subdomain: slug, customDomain: custom }, { type: 'system', id: 'test' });
    const manager = harness.dataSource.manager;
    await manager.update(Tenant, { id: tenant.id }, { state: 'active' });
    await manager.update(ServiceInstance, { tenantId: tenant.id, app: 'prosody' }, {
      state: 'running',
      endpoints: [
        { service: 'prosody', containerPort: 5222, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: ports.c2s },
        { service: 'prosody', containerPort: 5269, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: ports.s2s },
      ],
    });
    for (const app of ['mastodon', 'wordpress']) await manager.save(manager.create(ServiceInstance, { tenantId: tenant.id, app, version: '1', state: 'running' }));
    // the club proves its domain: the TXT record, then a check
    const token = (await manager.findOneByOrFail(Domain, { name: custom })).verificationToken!;
    dns.set('clubs.test', { owner: `_allmende-challenge.club${RUN}`, type: 'TXT', data: `"allmende-verify=${token}"` });
    const verified = await harness.app.get(CustomDomainsService).verifyNow(tenant.id, custom, { type: 'system', id: 'test' });
    expect(verified.state).toBe('verified');
  }, 240_000);

  afterAll(async () => {
    await harness?.close();
    await dns?.stop();
    await runtime.removeSystemContainer(engine, { role: EDGE_ROLE, name: EDGE_NAME }, { volumes: true, network: true }).catch(() => undefined);
    await removeLabelled(engine, [`${LABELS.tenant}=${fixtureTenantId}`, `allmende-e2e.run=${RUN}`]);
  });

  const byCheck = (report: ReadinessReport | { results: CheckResult[] }, check: string, subject?: string) =>
    report.results.filter((result) => result.check === check && (!subject || result.subject === subject));

  it('finds exactly what is wrong: the self-signed XMPP certificate, the old WordPress address, WebFinger without CORS', async () => {
    const report = await readiness.run(tenant.id, 'request');
    const summary = report.results.map((result) => `${result.status} ${result.check} ${result.subject}`);
    expect(summary).toEqual(expect.arrayContaining([
      `ok dns.address ${custom}`, `ok dns.verification _allmende-challenge.${custom}`, `ok dns.xmpp-client _xmpp-client._tcp.${custom}`, `ok dns.xmpp-server _xmpp-server._tcp.${custom}`,
      `warning dns.xmpp-groupchat _xmpp-server._tcp.conference.${custom}`, `ok dns.address ${subdomain}`,
      `ok https.certificate ${custom}`, `ok https.certificate ${subdomain}`, `ok http.redirect ${custom}`, `ok http.redirect ${subdomain}`,
      `ok mastodon.host-meta ${custom}`, `ok mastodon.nodeinfo ${custom}`,
    ]));
    expect(byCheck(report, 'https.certificate', custom)[0].detail).toMatch(/valid until \d{4}-\d\d-\d\d/);
    expect(byCheck(report, 'dns.xmpp-groupchat')[0].fix).toEqual({ action: 'add', type: 'SRV', name: `_xmpp-server._tcp.conference.${custom}`, value: `0 5 ${ports.s2s} ${subdomain}.` });
    expect(byCheck(report, 'mastodon.webfinger')[0]).toMatchObject({ status: 'warning', fix: { current: 'no Access-Control-Allow-Origin', expected: 'Access-Control-Allow-Origin: *' } });
    expect(byCheck(report, 'wordpress.home')[0]).toMatchObject({ status: 'failing', fix: { current: `https://${subdomain}`, expected: `https://${custom}` } });
    for (const check of ['xmpp.c2s', 'xmpp.s2s']) {
      expect(byCheck(report, check)[0]).toMatchObject({ status: 'failing', subject: custom, fix: { current: 'a self-signed certificate', expected: `a certificate for ${custom} from a trusted authority` } });
    }
    expect(report.status).toBe('failing');
    // stored with its time
    const stored = await harness.dataSource.manager.findOneByOrFail(TenantReadiness, { tenantId: tenant.id });
    expect(stored).toMatchObject({ status: 'failing', trigger: 'request', checkedAt: report.checkedAt });
  }, 120_000);

  it('passes once the test puts the edge-issued certificate into Prosody and WordPress has its new address', async () => {
    const certificate = await edge.certificateFor(engine, custom, { obtain: true });
    const prosody = `alm-${slug}-prosody`;
    // certificate and key go in through stdin, never a command line
    await runtime.exec(engine, prosody, ['sh', '-c', 'cat > /var/lib/prosody/certs/tls.crt'], { stdin: certificate.certificatePem });
    await runtime.exec(engine, prosody, ['sh', '-c', 'umask 077 && cat > /var/lib/prosody/certs/tls.key'], { stdin: certificate.privateKeyPem });
    // Prosody reloads its configuration and certificates on SIGHUP (a restart would publish new ports)
    await docker.getContainer(prosody).kill({ signal: 'SIGHUP' });
    await runtime.exec(engine, `alm-${slug}-web`, ['sh', '-c', `printf '%s' "$WP_JSON_NEW" > /tmp/www/wp-json/index.html`], { env: { WP_JSON_NEW: JSON.stringify({ name: 'Club', url: `https://${custom}`, home: `https://${custom}` }) } });

    // Prosody takes a moment to reload
    let report = await readiness.run(tenant.id, 'request');
    for (let i = 0; i < 40 && byCheck(report, 'xmpp.c2s')[0].status !== 'ok'; i++) {
      await sleep(500);
      report = await readiness.run(tenant.id, 'request');
    }
    for (const check of ['xmpp.c2s', 'xmpp.s2s']) {
      expect(byCheck(report, check)[0]).toMatchObject({ status: 'ok', detail: expect.stringContaining(`offers STARTTLS with a certificate for ${custom} valid until`) });
    }
    expect(byCheck(report, 'wordpress.home')[0]).toMatchObject({ status: 'ok', detail: `WordPress's home URL is https://${custom}` });
    expect(report.results.filter((result) => result.status === 'failing')).toEqual([]);
  }, 120_000);

  it("WebFinger on a handle domain: the edge's 301 to the web domain carries CORS *", async () => {
    const path = `/.well-known/webfinger?resource=${encodeURIComponent(`acct:admin@${handle}`)}`;
    const answer = await httpGet('https', { address: '127.0.0.1', port: host.httpsPort }, handle, path, { ca: [root], timeoutMs: 5_000 });
    expect(evaluateWebfinger(handle, custom, path, answer)).toMatchObject({ status: 'ok' });
  });

  it('never turns verification off: without the edge root the same certificate is refused, and a name the edge has no certificate for fails the handshake', async () => {
    const untrusted = await probeTls({ address: '127.0.0.1', port: host.httpsPort }, custom, { timeoutMs: 5_000 });
    expect(untrusted).toMatchObject({ ok: false, stage: 'tls' });
    const unknown = await probeTls({ address: '127.0.0.1', port: host.httpsPort }, `nobody${RUN}.clubs.test`, { ca: [root], timeoutMs: 5_000 });
    expect(unknown).toMatchObject({ ok: false, stage: 'tls' });
  });

  it('the daily task picks tenants whose report is older than the interval, and not those checked since', async () => {
    expect(await readiness.dueTenants(new Date(Date.now() - 60_000), 100)).not.toContain(tenant.id);
    expect(await readiness.dueTenants(new Date(Date.now() + 60_000), 100)).toContain(tenant.id);
  });

  it('serves the report through the API: owners and operators read it and run it; members do not', async () => {
    const latest = await harness.http().get(`/api/v1/tenants/${tenant.id}/readiness`).set(club.owner.auth).expect(200);
    expect(latest.body).toMatchObject({ tenantId: tenant.id, status: expect.stringMatching(/ok|warning/), trigger: 'request' });
    const member = await addMember(harness, club.organizationId, 'member');
    await harness.http().get(`/api/v1/tenants/${tenant.id}/readiness`).set(member.auth).expect(403);
    const ran = await harness.http().post(`/api/v1/tenants/${tenant.id}/readiness`).set(club.owner.auth).expect(200);
    expect(ran.body.results.length).toBeGreaterThan(10);
    expect(new Date(ran.body.checkedAt).getTime()).toBeGreaterThan(new Date(latest.body.checkedAt).getTime());
  }, 60_000);
});
