import Docker from 'dockerode';
import { ServiceInstance, Tenant } from '#provisioning';
import { LABELS } from '#runtime';
import { ControlPlane, startControlPlane } from '#test/support/control-plane.js';
import { removeTenantObjects } from '#test/support/docker-exec.js';
import { requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { createOperator, login, Session } from '#test/support/fixtures.js';
import { xmppLogin } from '#test/support/xmpp.js';
import { sampleProcessList } from '#test/support/process-list.js';
import { WebClient } from '#test/support/web-client.js';
import { AuditEvent } from '#domain';

/**
 * A real Prosody from the Debian-built image, provisioned through the API and the
 * worker, and a real XMPP client logging in with the credentials revealed to the owner.
 */
describe('provisioning Prosody on a real Docker engine', () => {
  const engine = testEngine();
  const docker: Docker = testDocker(engine);
  let plane: ControlPlane;
  let operator: Session;
  let owner: Session;
  let organizationId: string;
  let tenantId: string;
  let ownerPassword: string;
  /** The admin password the owner was shown first; the reset below replaces it. */
  let firstPassword: string;

  beforeAll(async () => {
    await requireImages(engine, ['allmende/prosody:0.12', 'allmende/busybox:1']);
    plane = await startControlPlane();
    operator = await createOperator(plane);
    const org = await plane
      .http()
      .post('/api/v1/organizations')
      .set(operator.auth)
      .send({ name: 'Chess Club Nordstadt', contactEmail: 'board@chess.example', owner: { email: 'chair@chess.example' } })
      .expect(201);
    organizationId = org.body.organization.id;
    ownerPassword = org.body.owner.initialPassword;
    owner = await login(plane, 'chair@chess.example', ownerPassword);
  });

  afterAll(async () => {
    // the plane first: its reconcile loop would put back what the cleanup removes
    await plane?.close();
    if (tenantId) await removeTenantObjects(docker, tenantId);
  });

  it('refuses an unknown version or app before creating anything', async () => {
    const response = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId, planCode: 'chat', subdomain: 'chess-bad', versions: { prosody: '9.9' } });
    expect(response.status).toBe(400);
    expect(response.body.fields).toHaveProperty(['versions.prosody']);
    const other = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId, planCode: 'chat', subdomain: 'chess-bad', versions: { mastodon: '4.3' } });
    expect(other.status).toBe(400);
    expect(await plane.dataSource.manager.countBy(Tenant, { slug: 'chess-bad' })).toBe(0);
  });

  it('provisions the tenant, showing named steps and percent, until it is active', async () => {
    const created = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId, planCode: 'chat', subdomain: 'chess-nord' }).expect(201);
    tenantId = created.body.tenant.id;
    expect(created.body.operation.steps.map((step: { name: string }) => step.name)).toEqual(['place', 'prepare', 'images', 'deploy', 'health', 'admin', 'publish', 'activate']);

    // a person follows it through the API
    const seen = new Set<number>();
    const deadline = Date.now() + 180_000;
    let operation;
    do {
      operation = (await plane.http().get(`/api/v1/operations/${created.body.operation.id}`).set(owner.auth).expect(200)).body;
      seen.add(operation.progress);
      if (operation.state === 'failed') throw new Error(`${operation.error}\n${JSON.stringify(operation.steps, null, 2)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    } while (operation.state !== 'succeeded' && Date.now() < deadline);
    expect(operation.state).toBe('succeeded');
    expect(operation.progress).toBe(100);
    expect(operation.steps.every((step: { state: string }) => step.state === 'done')).toBe(true);
    expect(seen.size).toBeGreaterThan(2); // progress moved in steps a person could follow

    const tenant = (await plane.http().get(`/api/v1/tenants/${tenantId}`).set(owner.auth).expect(200)).body;
    expect(tenant.state).toBe('active');
    expect(tenant.primaryDomain).toBe('chess-nord.allmende.localhost');
    expect(tenant.services).toEqual([expect.objectContaining({ app: 'prosody', version: '0.12', state: 'running', health: 'healthy' })]);
  });

  it('labels every object, limits the container, and never mounts the Docker socket', async () => {
    const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.tenant}=${tenantId}`] } });
    expect(containers).toHaveLength(1);
    const info = await docker.getContainer(containers[0].Id).inspect();
    expect(info.Config.Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.tenant]: tenantId, [LABELS.app]: 'prosody', [LABELS.service]: 'prosody' });
    expect(info.Config.Labels[LABELS.planHash]).toMatch(/^[0-9a-f]{64}$/);
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(info.HostConfig.PidsLimit).toBe(256);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect(info.Mounts.map((mount) => mount.Type)).toEqual(['volume']);
    expect(JSON.stringify(info.Mounts)).not.toContain('docker.sock');
    const volumes = await docker.listVolumes({ filters: { label: [`${LABELS.tenant}=${tenantId}`] } });
    expect(volumes.Volumes?.map((v) => v.Name)).toEqual(['alm-chess-nord-prosody-data']);
    const networks = await docker.listNetworks({ filters: { label: [`${LABELS.tenant}=${tenantId}`] } });
    expect(networks.map((n) => n.Name)).toEqual(['alm-chess-nord']);
  });

  it('reveals the admin credentials once to the owner, and a real XMPP client logs in with them', async () => {
    const listed = await plane.http().get(`/api/v1/tenants/${tenantId}/credentials`).set(owner.auth).expect(200);
    expect(listed.body).toEqual([expect.objectContaining({ app: 'prosody', username: 'admin@chess-nord.allmende.localhost', revealedAt: null })]);
    expect(JSON.stringify(listed.body)).not.toMatch(/password/i);

    // operators run the platform but never see the club's passwords
    const byOperator = await plane.http().post(`/api/v1/tenants/${tenantId}/credentials/reveal`).set(operator.auth);
    expect(byOperator.status).toBe(403);

    const revealed = await plane.http().post(`/api/v1/tenants/${tenantId}/credentials/reveal`).set(owner.auth).expect(200);
    const [credential] = revealed.body;
    expect(credential).toMatchObject({ app: 'prosody', username: 'admin@chess-nord.allmende.localhost', loginUrl: 'xmpp:admin@chess-nord.allmende.localhost' });
    expect(credential.password.length).toBeGreaterThanOrEqual(20);
    const again = await plane.http().post(`/api/v1/tenants/${tenantId}/credentials/reveal`).set(owner.auth);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('credentials.already_revealed');

    const instance = await plane.dataSource.manager.findOneByOrFail(ServiceInstance, { tenantId, app: 'prosody' });
    const client = instance.endpoints.find((endpoint) => endpoint.containerPort === 5222)!;
    expect(client.hostIp).toBe('127.0.0.1');
    // Prosody presents the edge's certificate for its domain: trusting the edge's CA is enough
    const certificate = await plane.rootCertificate();

    firstPassword = credential.password;
    const good = xmppLogin({ host: '127.0.0.1', port: client.hostPort, domain: 'chess-nord.allmende.localhost', username: 'admin', password: credential.password, certificate });
    expect(good.output).toBe('online admin@chess-nord.allmende.localhost/allmende-test');
    const bad = xmppLogin({ host: '127.0.0.1', port: client.hostPort, domain: 'chess-nord.allmende.localhost', username: 'admin', password: 'wrong-password', certificate });
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/not-authorized/);
  });

  it("resets the admin password from the club's dashboard: the new one logs in over XMPP, the old one no longer, and it is on no command line", async () => {
    const web = await WebClient.login(plane.app, 'chair@chess.example', ownerPassword);
    const dashboard = (await web.open(`/clubs/${organizationId}`)).text;
    const action = `/clubs/${organizationId}/tenants/${tenantId}/apps/prosody/admin-password`;
    expect(dashboard).toContain(`action="${action}"`);

    // every command line on this machine while the reset runs, as `ps` shows them to any local user
    const sampler = await sampleProcessList();
    const response = await web.post(action);
    const sample = await sampler.stop();
    expect(response.status).toBe(200);
    const password = /<code class="secret">([^<]+)<\/code>/.exec(response.text)?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(password).not.toBe(firstPassword);
    expect(response.text).toContain('admin@chess-nord.allmende.localhost');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(sample.sweeps).toBeGreaterThan(10);
    expect(sample.commandLines.some((line) => line.includes('allmende-prosody-set-password'))).toBe(true); // the sampler saw the tool run
    expect(sample.commandLines.filter((line) => line.includes(password))).toEqual([]);

    const instance = await plane.dataSource.manager.findOneByOrFail(ServiceInstance, { tenantId, app: 'prosody' });
    const client = instance.endpoints.find((endpoint) => endpoint.containerPort === 5222)!;
    const certificate = await plane.rootCertificate();
    const login = (secret: string) => xmppLogin({ host: '127.0.0.1', port: client.hostPort, domain: 'chess-nord.allmende.localhost', username: 'admin', password: secret, certificate });
    expect(login(password).output).toBe('online admin@chess-nord.allmende.localhost/allmende-test');
    const old = login(firstPassword);
    expect(old.ok).toBe(false);
    expect(old.output).toMatch(/not-authorized/);

    // shown once, stored only sealed, audited without the password
    const stored: { sealed_password: string; revealed_at: Date | null }[] = await plane.dataSource.query(
      'select c.sealed_password, c.revealed_at from admin_credential c where c.tenant_id = $1',
      [tenantId],
    );
    expect(stored[0].sealed_password).toMatch(/^v1\./);
    expect(stored[0].revealed_at).not.toBeNull();
    const audit = await plane.dataSource.manager.findOneByOrFail(AuditEvent, { targetId: tenantId, action: 'credentials.admin_password_reset' });
    expect(JSON.stringify(audit)).not.toContain(password);
    // an operator never gets one
    await plane.http().post(`/api/v1/tenants/${tenantId}/credentials/reveal`).set(operator.auth).expect(403);
  });

  it('stores the passwords only sealed', async () => {
    const rows: { sealed_secrets: string; sealed_password: string }[] = await plane.dataSource.query(
      `select i.sealed_secrets, c.sealed_password from service_instance i join admin_credential c on c.service_instance_id = i.id where i.tenant_id = $1`,
      [tenantId],
    );
    expect(rows[0].sealed_secrets).toMatch(/^v1\./);
    expect(rows[0].sealed_password).toMatch(/^v1\./);
  });
});
