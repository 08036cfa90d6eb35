import { createHash } from 'node:crypto';
import Docker from 'dockerode';
import { ServiceInstance } from '#provisioning';
import { ControlPlane, startControlPlane } from '#test/support/control-plane.js';
import { requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { containersOf, dockerExec, removeTenantObjects } from '#test/support/docker-exec.js';
import { createOperator, login, Session } from '#test/support/fixtures.js';
import { edgeHttps } from '#test/support/edge.js';

/**
 * WordPress (real, Debian packages: apache + PHP + WordPress, and MariaDB) and the full
 * Mastodon service graph (real Postgres and Redis; stand-ins for Mastodon's own images,
 * which cannot run here), provisioned through the API and the worker.
 */
describe('provisioning WordPress and Mastodon on a real Docker engine', () => {
  const engine = testEngine();
  const docker: Docker = testDocker(engine);
  let plane: ControlPlane;
  let operator: Session;
  const tenants: string[] = [];

  beforeAll(async () => {
    await requireImages(engine, [
      'allmende/wordpress:6.1', 'allmende/mariadb:10.11', 'allmende/postgres:15', 'allmende/redis:7', 'allmende-test/mastodon-standin:4.3', 'allmende-test/mastodon-standin:4.4', 'allmende/busybox:1', 'allmende/restic:0.18',
    ]);
    plane = await startControlPlane();
    operator = await createOperator(plane);
  });

  afterAll(async () => {
    // the plane first: its reconcile loop would put back what the cleanup removes
    await plane?.close();
    for (const tenantId of tenants) await removeTenantObjects(docker, tenantId);
  });

  async function orderFor(name: string, email: string, planCode: string, subdomain: string): Promise<{ tenantId: string; owner: Session }> {
    const org = await plane.http().post('/api/v1/organizations').set(operator.auth).send({ name, contactEmail: email, owner: { email } }).expect(201);
    const owner = await login(plane, email, org.body.owner.initialPassword);
    const created = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId: org.body.organization.id, planCode, subdomain }).expect(201);
    tenants.push(created.body.tenant.id);
    await plane.waitForOperation(created.body.operation.id, 300_000);
    return { tenantId: created.body.tenant.id, owner };
  }

  const instanceOf = (tenantId: string, app: string) => plane.dataSource.manager.findOneByOrFail(ServiceInstance, { tenantId, app });

  describe('WordPress', () => {
    let tenantId: string;
    let owner: Session;

    beforeAll(async () => {
      ({ tenantId, owner } = await orderFor('Model Railway Society', 'board@railway.example', 'website', 'railway'));
    });

    it('runs web and database with their own network and volumes', async () => {
      const names = (await containersOf(docker, tenantId)).map((c) => c.Names[0]).sort();
      expect(names).toEqual(['/alm-railway-wordpress-db', '/alm-railway-wordpress-web']);
      const tenant = (await plane.http().get(`/api/v1/tenants/${tenantId}`).set(owner.auth).expect(200)).body;
      expect(tenant.state).toBe('active');
    });

    it('answers its login page through the edge, installed with the club name; the admin logs in at the edge address', async () => {
      // the edge publishes on random ports here; tenants-at-their-address.e2e-spec.ts runs it on 443
      const address = 'railway.allmende.localhost';
      const ca = await plane.rootCertificate();
      const loginPage = await edgeHttps(plane.edge.httpsPort, address, '/wp-login.php', ca);
      expect(loginPage.status).toBe(200);
      expect(loginPage.body).toContain('user_login');
      const install = await edgeHttps(plane.edge.httpsPort, address, '/wp-admin/install.php', ca);
      expect(install.body).toMatch(/already installed/i);
      const home = await edgeHttps(plane.edge.httpsPort, address, '/', ca);
      expect(home.status).toBe(200);
      expect(home.body).toContain('Model Railway Society');

      const [credential] = (await plane.http().post(`/api/v1/tenants/${tenantId}/credentials/reveal`).set(owner.auth).expect(200)).body;
      expect(credential).toMatchObject({ app: 'wordpress', username: 'admin', loginUrl: `https://${address}:${plane.edge.httpsPort}/wp-login.php` });
    });
  });

  describe('Mastodon (stand-in images for web, streaming and sidekiq)', () => {
    let tenantId: string;
    let owner: Session;

    beforeAll(async () => {
      ({ tenantId, owner } = await orderFor('Dentists Association', 'board@dentists.example', 'social', 'dentists'));
    });

    it('runs the whole service graph: db, redis, the finished db:prepare, web, streaming, sidekiq', async () => {
      const containers = await containersOf(docker, tenantId);
      const byName = Object.fromEntries(containers.map((c) => [c.Names[0].slice(1), c.State]));
      expect(byName).toEqual({
        'alm-dentists-mastodon-db': 'running',
        'alm-dentists-mastodon-redis': 'running',
        'alm-dentists-mastodon-db-prepare': 'exited',
        'alm-dentists-mastodon-web': 'running',
        'alm-dentists-mastodon-streaming': 'running',
        'alm-dentists-mastodon-sidekiq': 'running',
      });
      const prepare = await docker.getContainer(containers.find((c) => c.Names[0].endsWith('db-prepare'))!.Id).inspect();
      expect(prepare.State.ExitCode).toBe(0);
    });

    it('answers the upstream health endpoints through the edge', async () => {
      const ca = await plane.rootCertificate();
      expect((await edgeHttps(plane.edge.httpsPort, 'dentists.allmende.localhost', '/health', ca)).body).toBe('OK');
      expect((await edgeHttps(plane.edge.httpsPort, 'dentists.allmende.localhost', '/api/v1/streaming/health', ca)).body).toBe('OK');
    });

    it('creates the owner with tootctl and reveals the password tootctl printed', async () => {
      const [credential] = (await plane.http().post(`/api/v1/tenants/${tenantId}/credentials/reveal`).set(owner.auth).expect(200)).body;
      expect(credential).toMatchObject({ app: 'mastodon', username: 'board@dentists.example', loginUrl: `https://dentists.allmende.localhost:${plane.edge.httpsPort}/auth/sign_in` });
      const instance = await instanceOf(tenantId, 'mastodon');
      const row = await dockerExec(docker, instance.containers.db, [
        'psql', '--host=/var/run/postgresql', '--username=mastodon', '--dbname=mastodon_production', '-tA', '-c', "select role, encrypted_password from accounts where username = 'owner'",
      ]);
      const [role, stored] = row.stdout.trim().split('|');
      expect(role).toBe('Owner');
      const [, salt, hash] = stored.split('$');
      expect(createHash('sha256').update(salt + credential.password).digest('hex')).toBe(hash);
    });

    it("keeps tenants apart: from inside Mastodon's web container, WordPress's database of the other tenant is unreachable", async () => {
      const mastodonWeb = (await instanceOf(tenantId, 'mastodon')).containers.web;
      const ownDb = await dockerExec(docker, mastodonWeb, ['bash', '-c', 'exec 3<>/dev/tcp/mastodon-db/5432 && echo open']);
      expect(ownDb.stdout.trim()).toBe('open');
      const otherTenant = tenants[0];
      const wordpressDb = await plane.dataSource.manager.findOneByOrFail(ServiceInstance, { tenantId: otherTenant, app: 'wordpress' });
      const dbInfo = await docker.getContainer(wordpressDb.containers.db).inspect();
      const address = Object.values(dbInfo.NetworkSettings.Networks)[0].IPAddress;
      for (const target of ['wordpress-db', 'alm-railway-wordpress-db', address]) {
        const attempt = await dockerExec(docker, mastodonWeb, ['bash', '-c', `timeout 3 bash -c 'exec 3<>/dev/tcp/${target}/3306' && echo open || echo closed`]);
        expect(attempt.stdout.trim()).toBe('closed');
      }
    });

    it('upgrades 4.3 -> 4.4 the way upstream does: db:migrate applies the new migration, the health gate finds the accounts', async () => {
      const started = await plane.http().post(`/api/v1/tenants/${tenantId}/upgrades`).set(operator.auth).send({ app: 'mastodon', to: '4.4' }).expect(201);
      expect(started.body.steps.find((step: { name: string }) => step.name === 'check')).toBeDefined();
      const done = await plane.waitForOperation(started.body.id, 400_000);
      expect(done.steps.find((step) => step.name === 'check')?.message).toBe('mastodon 4.3 -> 4.4: replaces db-prepare, web, streaming, sidekiq; upgrade steps: migrate-database');
      expect(done.steps.find((step) => step.name === 'health')?.message).toMatch(/\d+ account\(s\) in the restored database/);
      const instance = await instanceOf(tenantId, 'mastodon');
      expect(instance.version).toBe('4.4');
      for (const service of ['web', 'streaming', 'sidekiq']) {
        expect((await docker.getContainer(instance.containers[service]).inspect()).Config.Image).toBe('allmende-test/mastodon-standin:4.4');
      }
      const migrations = await dockerExec(docker, instance.containers.db, [
        'psql', '--host=/var/run/postgresql', '--username=mastodon', '--dbname=mastodon_production', '-tA', '-c', 'select version from schema_migrations order by version',
      ]);
      expect(migrations.stdout.trim().split('\n')).toEqual(['20241001000000', '20250430151215']);
      // the owner created on 4.3 is still there
      const owner = await dockerExec(docker, instance.containers.db, ['psql', '--host=/var/run/postgresql', '--username=mastodon', '--dbname=mastodon_production', '-tA', '-c', "select role from accounts where username = 'owner'"]);
      expect(owner.stdout.trim()).toBe('Owner');
    });
  });
});
