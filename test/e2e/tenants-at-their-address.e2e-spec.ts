import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as plainRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import Docker from 'dockerode';
import { chromium } from 'playwright-core';
import { SYSTEM_ACTOR } from '#domain';
import { DockerHost, EdgeMaintenance, HostPort, ServiceInstance, Tenant, TenantLifecycleService } from '#provisioning';
import { ControlPlane, startControlPlane } from '#test/support/control-plane.js';
import { requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { dockerExec, removeTenantObjects } from '#test/support/docker-exec.js';
import { createClub, createOperator, Session } from '#test/support/fixtures.js';
import { startDnsServer, type TestDnsServer } from '#test/support/dns-server.js';
import { xmppLogin } from '#test/support/xmpp.js';

// Clubs' apps at their own addresses, through the edge proxy, over TLS verified against the
// edge's CA: the edge publishes 80 and 443 on a loopback address of its own (127.0.0.x), so the
// URLs carry no port, as in production.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(process.cwd(), 'test-results');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  certificate?: PeerCertificate;
}

describe('tenants at their own address, through the edge proxy', () => {
  const engine = testEngine();
  const docker: Docker = testDocker(engine);
  const billing = SYSTEM_ACTOR('test-billing');
  const publishIp = `127.0.0.${randomInt(10, 250)}`;
  let plane: ControlPlane;
  let operator: Session;
  let ca: string;
  let dns: TestDnsServer;
  const tenants: string[] = [];

  /** https://<name><path> through the edge, the certificate verified against its CA. */
  function https(name: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: publishIp, port: 443, path, method: options.method ?? 'GET', servername: name, ca, agent: false, timeout: 30_000,
          // a length, as browsers send it (Prosody's BOSH reads no chunked request body)
          headers: { Host: name, ...(options.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(options.body)) } : {}), ...options.headers },
        },
        (res) => {
          const certificate = (res.socket as TLSSocket).getPeerCertificate?.();
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), certificate }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${name}${path}`)));
      req.on('error', reject);
      if (options.body) req.write(options.body);
      req.end();
    });
  }

  function http(name: string, path: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = plainRequest({ host: publishIp, port: 80, path, headers: { Host: name }, agent: false, timeout: 15_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  async function order(name: string, planCode: string, subdomain: string): Promise<{ tenantId: string; owner: Session }> {
    const club = await createClub(plane, name);
    const created = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId: club.organizationId, planCode, subdomain }).expect(201);
    tenants.push(created.body.tenant.id);
    const operation = await plane.waitForOperation(created.body.operation.id, 300_000);
    expect(operation.steps.find((step) => step.name === 'publish')).toMatchObject({ state: 'done' });
    return { tenantId: created.body.tenant.id, owner: club.owner };
  }

  async function reveal(tenantId: string, owner: Session) {
    const [credential] = (await plane.http().post(`/api/v1/tenants/${tenantId}/credentials/reveal`).set(owner.auth).expect(200)).body;
    return credential as { username: string; password: string; loginUrl: string };
  }

  beforeAll(async () => {
    await requireImages(engine, ['allmende/caddy:2.6', 'allmende/prosody:0.12', 'allmende/wordpress:6.1', 'allmende/mariadb:10.11', 'allmende/postgres:15', 'allmende/redis:7', 'allmende-test/mastodon-standin:4.3']);
    mkdirSync(SCREENSHOTS, { recursive: true });
    // the cooperative's zone: every club's subdomain points at this host (a wildcard), the rest is added per club
    dns = await startDnsServer({ 'allmende.localhost': [{ owner: '*', type: 'A', data: publishIp }] });
    plane = await startControlPlane({ ALLMENDE_PUBLISH_IP: publishIp, ALLMENDE_EDGE_HTTP_PORT: '80', ALLMENDE_EDGE_HTTPS_PORT: '443', ALLMENDE_DNS_RESOLVERS: dns.address });
    operator = await createOperator(plane);
  });

  afterAll(async () => {
    // the plane first: its reconcile loop would put back what the cleanup removes
    await plane?.close();
    for (const tenantId of tenants) await removeTenantObjects(docker, tenantId);
    await dns?.stop();
  });

  describe('a website (WordPress)', () => {
    let tenantId: string;
    let owner: Session;
    const address = 'modelbahn.allmende.localhost';

    beforeAll(async () => {
      ({ tenantId, owner } = await order('Model Railway Society', 'website', 'modelbahn'));
      ca = await plane.rootCertificate();
    });

    it('publishes no host port for the web: the edge reaches Apache over the tenant network', async () => {
      const web = await docker.getContainer('alm-modelbahn-wordpress-web').inspect();
      expect(Object.values(web.HostConfig.PortBindings ?? {}).flat()).toEqual([]);
      const edge = await docker.getContainer(plane.edge.name).inspect();
      expect(Object.keys(edge.NetworkSettings.Networks)).toContain('alm-modelbahn');
      expect(edge.Config.Labels).toMatchObject({ 'allmende.managed': 'true', 'allmende.role': 'edge' });
    });

    it('answers https://<address>/wp-login.php with a certificate for the address, HSTS, and HTTP redirected to HTTPS', async () => {
      const page = await https(address, '/wp-login.php');
      expect(page.status).toBe(200);
      expect(page.body).toContain('user_login');
      expect(page.certificate?.subjectaltname).toContain(`DNS:${address}`);
      expect(page.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      const home = await https(address, '/');
      expect(home.status).toBe(200);
      expect(home.body).toContain('Model Railway Society');
      expect(home.body).toContain(`https://${address}/`); // home and siteurl: the https address, no port
      const plain = await http(address, '/wp-login.php');
      expect([301, 308]).toContain(plain.status);
      expect(plain.headers.location).toBe(`https://${address}/wp-login.php`);
    });

    it('logs the revealed admin in at https://<address>/wp-login.php (forwarded proto honoured, no redirect loop)', async () => {
      const credential = await reveal(tenantId, owner);
      expect(credential.loginUrl).toBe(`https://${address}/wp-login.php`);
      const signIn = await https(address, '/wp-login.php', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: 'wordpress_test_cookie=WP%20Cookie%20check' },
        body: new URLSearchParams({ log: credential.username, pwd: credential.password, 'wp-submit': 'Log In', testcookie: '1' }).toString(),
      });
      expect(signIn.status).toBe(302);
      expect(signIn.headers.location).toBe(`https://${address}/wp-admin/`);
      const cookies = [signIn.headers['set-cookie']].flat().filter((cookie): cookie is string => !!cookie);
      expect(cookies.some((cookie) => cookie.startsWith('wordpress_logged_in_') && /;\s*secure/i.test(cookie))).toBe(true);
      const admin = await https(address, '/wp-admin/', { headers: { Cookie: cookies.map((cookie) => cookie.split(';')[0]).join('; ') } });
      expect(admin.status).toBe(200);
      expect(admin.body).toContain('Dashboard');
      // kept for the browser below
      (globalThis as unknown as { modelbahnAdmin: typeof credential }).modelbahnAdmin = credential;
    });

    it('in a real Chromium: opens https://<address>/wp-login.php, trusts the edge CA and logs in, no port anywhere', async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
      const credential = (globalThis as unknown as { modelbahnAdmin: { username: string; password: string } }).modelbahnAdmin;
      // the edge's CA in a browser profile of its own (what the README tells a person to do)
      const home = mkdtempSync(join(tmpdir(), 'allmende-chromium-'));
      try {
        const nssdb = join(home, '.pki', 'nssdb');
        mkdirSync(nssdb, { recursive: true });
        writeFileSync(join(home, 'edge-root.crt'), ca);
        execFileSync('certutil', ['-d', `sql:${nssdb}`, '-N', '--empty-password']);
        execFileSync('certutil', ['-d', `sql:${nssdb}`, '-A', '-t', 'C,,', '-n', 'Allmende edge (test)', '-i', join(home, 'edge-root.crt')]);
        const browser = await chromium.launch({
          executablePath: CHROMIUM,
          env: { ...process.env, HOME: home },
          args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', `--host-resolver-rules=MAP *.allmende.localhost ${publishIp}`],
        });
        try {
          const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
          const response = await page.goto(`https://${address}/wp-login.php`);
          expect(response?.status()).toBe(200);
          expect((await response?.securityDetails())?.issuer).toMatch(/Allmende edge CA/); // trusted: no certificate error page
          await page.fill('#user_login', credential.username);
          await page.fill('#user_pass', credential.password);
          await page.click('#wp-submit');
          await page.waitForURL(`https://${address}/wp-admin/`);
          await page.locator('#wpadminbar').waitFor();
          await page.screenshot({ path: join(SCREENSHOTS, 'wordpress-admin-through-edge.png') });
          expect(page.url()).toBe(`https://${address}/wp-admin/`);
        } finally {
          await browser.close();
        }
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });

    it('shows the paused page while suspended, and the site again once paid', async () => {
      const lifecycle = plane.app.get(TenantLifecycleService);
      await lifecycle.transition(tenantId, 'payment_failed', billing);
      const { operation } = await lifecycle.transition(tenantId, 'grace_expired', billing);
      await plane.waitForOperation(operation!.id);
      const paused = await https(address, '/');
      expect(paused.status).toBe(200);
      expect(paused.headers['content-type']).toMatch(/^text\/plain/);
      expect(paused.body).toContain('Model Railway Society: this service is paused.');
      expect(paused.body).toContain('Nothing has been deleted');
      expect((await https(address, '/wp-login.php')).body).not.toContain('user_login');

      const resumed = await lifecycle.transition(tenantId, 'payment_received', billing);
      await plane.waitForOperation(resumed.operation!.id);
      const back = await https(address, '/wp-login.php');
      expect(back.status).toBe(200);
      expect(back.body).toContain('user_login');
    });

    it('restores a route removed behind its back, and a removed edge, on the reconcile loop', async () => {
      const edgeContainer = docker.getContainer(plane.edge.name);
      await dockerExec(docker, plane.edge.name, ['curl', '-sf', '--unix-socket', '/run/caddy/admin.sock', '-H', 'Host: ', '-X', 'DELETE', `http://localhost/id/site-${tenantId}`]);
      expect((await https(address, '/wp-login.php')).status).toBe(404);
      const maintenance = plane.worker.get(EdgeMaintenance);
      await maintenance.pass();
      expect((await https(address, '/wp-login.php')).status).toBe(200);

      await edgeContainer.remove({ force: true });
      await maintenance.pass();
      expect((await https(address, '/wp-login.php')).status).toBe(200);
      const host = await plane.dataSource.manager.findOneByOrFail(DockerHost, { name: 'local' });
      expect(host.edgeState).toBe('ok');
      const ready = await plane.http().get('/readyz');
      expect(ready.body.checks.dockerHosts.local.edge).toEqual({ status: 'up' });
    });
  });

  describe('chat (Prosody)', () => {
    let tenantId: string;
    let owner: Session;
    const domain = 'chess-club.allmende.localhost';

    beforeAll(async () => {
      ({ tenantId, owner } = await order('Chess Club', 'chat', 'chess-club'));
    });

    it('publishes c2s and s2s on fixed host ports of its own, and BOSH and websocket under the domain through the edge', async () => {
      const ports = await plane.dataSource.manager.find(HostPort, { where: { tenantId }, order: { key: 'ASC' } });
      expect(ports.map((port) => port.key)).toEqual(['prosody/prosody:5222/tcp', 'prosody/prosody:5269/tcp']);
      const container = await docker.getContainer('alm-chess-club-prosody-prosody').inspect();
      expect(container.HostConfig.PortBindings).toEqual({
        '5222/tcp': [{ HostIp: publishIp, HostPort: String(ports[0].port) }],
        '5269/tcp': [{ HostIp: publishIp, HostPort: String(ports[1].port) }],
      });
      const bosh = await https(domain, '/http-bind', { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: `<body rid='1' xmlns='http://jabber.org/protocol/httpbind' to='${domain}' xml:lang='en' wait='5' hold='1' ver='1.6' xmpp:version='1.0' xmlns:xmpp='urn:xmpp:xbosh'/>` });
      expect(bosh.status).toBe(200);
      expect(bosh.body).toContain('urn:ietf:params:xml:ns:xmpp-sasl');
      expect((await https(domain, '/')).status).toBe(404); // only its paths are routed
    });

    it("presents the edge's certificate for its domain (no more self-signed), and the revealed admin logs in with TLS verified against the edge CA", async () => {
      const credential = await reveal(tenantId, owner);
      const instance = await plane.dataSource.manager.findOneByOrFail(ServiceInstance, { tenantId, app: 'prosody' });
      const client = instance.endpoints.find((endpoint) => endpoint.containerPort === 5222)!;
      const good = xmppLogin({ host: publishIp, port: client.hostPort, domain, username: 'admin', password: credential.password, certificate: ca });
      expect(good.output).toBe(`online admin@${domain}/allmende-test`);
      const installed = await dockerExec(docker, instance.containers.prosody, ['openssl', 'x509', '-in', `/var/lib/prosody/certs/conference.${domain}.crt`, '-noout', '-ext', 'subjectAltName']);
      expect(installed.stdout).toContain(`DNS:conference.${domain}`);
      (globalThis as unknown as { chessPassword: string }).chessPassword = credential.password;
    });

    it('shows the SRV records to create, and a real XMPP client finds the server through them in DNS and logs in', async () => {
      const [primary] = (await plane.http().get(`/api/v1/tenants/${tenantId}/domains`).set(owner.auth).expect(200)).body as { name: string; records: { purpose: string; options: { type: string; name: string; value: string }[][] }[] }[];
      const ports = await plane.dataSource.manager.find(HostPort, { where: { tenantId }, order: { key: 'ASC' } });
      const srv = Object.fromEntries(primary.records.filter((record) => record.purpose.startsWith('xmpp-')).map((record) => [record.purpose, record.options[0][0]]));
      expect(srv['xmpp-client']).toEqual({ type: 'SRV', name: `_xmpp-client._tcp.${domain}`, value: `0 5 ${ports[0].port} ${domain}.` });
      expect(srv['xmpp-server']).toEqual({ type: 'SRV', name: `_xmpp-server._tcp.${domain}`, value: `0 5 ${ports[1].port} ${domain}.` });
      // the cooperative creates them in its zone, as the page says; with names below it the club's
      // name is no longer covered by the zone's wildcard (DNS: an empty non-terminal), so it gets its own A record
      for (const record of Object.values(srv)) dns.set('allmende.localhost', { owner: `${record.name}.`, type: 'SRV', data: record.value });
      dns.set('allmende.localhost', { owner: `${domain}.`, type: 'A', data: publishIp });

      const password = (globalThis as unknown as { chessPassword: string }).chessPassword;
      const found = xmppLogin({ dnsServer: dns.address, domain, username: 'admin', password, certificate: ca });
      expect(found.output).toBe(`online admin@${domain}/allmende-test`);
    });
  });

  describe('social (the Mastodon stand-in)', () => {
    const address = 'zahnaerzte.allmende.localhost';

    beforeAll(async () => {
      await order('Dentists Association', 'social', 'zahnaerzte');
    });

    it('answers through the edge: Puma for the site, the streaming server for the streaming API', async () => {
      const health = await https(address, '/health');
      expect(health.status).toBe(200);
      expect(health.body).toBe('OK');
      const streaming = await https(address, '/api/v1/streaming/health');
      expect(streaming.status).toBe(200);
      expect(streaming.body).toBe('OK');
    });
  });

  describe('isolation', () => {
    it("no tenant container reaches the edge's admin API, its allow-list server, or another tenant", async () => {
      const edge = await docker.getContainer(plane.edge.name).inspect();
      const edgeOnRailway = edge.NetworkSettings.Networks['alm-modelbahn'].IPAddress;
      const chat = await docker.getContainer('alm-chess-club-prosody-prosody').inspect();
      const chatAddress = Object.values(chat.NetworkSettings.Networks)[0].IPAddress;
      const probe = async (host: string, port: number) =>
        (await dockerExec(docker, 'alm-modelbahn-wordpress-web', ['bash', '-c', `timeout 3 bash -c 'exec 3<>/dev/tcp/${host}/${port}' && echo open || echo closed`])).stdout.trim();
      expect(await probe(edgeOnRailway, 8443)).toBe('open'); // the edge itself answers HTTPS on the tenant network
      expect(await probe(edgeOnRailway, 8081)).toBe('closed'); // allow-list server: loopback inside the edge only
      expect(await probe(edgeOnRailway, 2019)).toBe('closed'); // Caddy's default admin port: never opened
      expect(await probe(chatAddress, 5280)).toBe('closed'); // another tenant, though the edge sits on both networks
      expect(await probe('alm-chess-club-prosody-prosody', 5280)).toBe('closed');
    });
  });

  describe('terminated', () => {
    it('answers a plain 404 page once the subscription is canceled', async () => {
      const tenant = await plane.dataSource.manager.findOneByOrFail(Tenant, { slug: 'zahnaerzte' });
      const { operation } = await plane.app.get(TenantLifecycleService).transition(tenant.id, 'terminate', billing);
      await plane.waitForOperation(operation!.id, 300_000);
      const gone = await https('zahnaerzte.allmende.localhost', '/health');
      expect(gone.status).toBe(404);
      expect(gone.headers['content-type']).toMatch(/^text\/plain/);
    });
  });
});
