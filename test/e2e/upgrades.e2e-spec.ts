import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { ServiceInstance, UPGRADE_FINISHED_LETTER, UPGRADE_PLANNED_LETTER } from '#provisioning';
import { createPost, createXmppUser, dockerCli, lettersTo, postTitles, serviceContainer, waitForEnd, xmppLoginIn } from '#test/support/backups.js';
import { ControlPlane, startControlPlane } from '#test/support/control-plane.js';
import { requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { removeTenantObjects } from '#test/support/docker-exec.js';
import { edgeHttps } from '#test/support/edge.js';
import { Club, createClub, createOperator, Session } from '#test/support/fixtures.js';
import { xmppLogin } from '#test/support/xmpp.js';

/**
 * Real version upgrades on a real engine with the real images: Prosody 0.12 (bookworm) to 13.0
 * (trixie) with an account and its message archive, WordPress 6.1 to 6.8 with a post and an
 * uploaded image; a version that fails its health gate rolls back by itself; a fleet rollout
 * that meets a broken version in its second batch stops, leaving the rest untouched.
 *
 * The test template adds two Prosody versions: "13.9", whose image is broken (its config lost
 * the SQL storage, so the accounts are gone: Prosody starts and passes its health check, but no
 * one can log in), and "13.5", whose tag first names the good 13 image and is moved to the broken
 * one between the rollout's batches, as a bad release published mid-rollout would be.
 */
const RUN = randomBytes(3).toString('hex');
const BROKEN = `allmende-test/prosody-broken:${RUN}`;
const NEXT = `allmende-test/prosody-next:${RUN}`;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('upgrades with real versions, a health gate and automatic rollback', () => {
  const engine = testEngine();
  const docker: Docker = testDocker(engine);
  const templatesDir = mkdtempSync(join(tmpdir(), 'allmende-e2e-templates-'));
  let plane: ControlPlane;
  let operator: Session;
  let club: Club;
  const tenants: string[] = [];

  const domainOf = (subdomain: string) => `${subdomain}.allmende.localhost`;
  const createTenant = async (planCode: string, subdomain: string, versions: Record<string, string>): Promise<string> => {
    const created = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId: club.organizationId, planCode, subdomain, versions }).expect(201);
    tenants.push(created.body.tenant.id);
    await plane.waitForOperation(created.body.operation.id, 300_000);
    return created.body.tenant.id;
  };
  const upgrade = async (tenantId: string, app: string, to: string) => {
    const started = await plane.http().post(`/api/v1/tenants/${tenantId}/upgrades`).set(operator.auth).send({ app, to }).expect(201);
    return waitForEnd(plane, started.body.id, 400_000);
  };
  const instanceOf = (tenantId: string, app: string) => plane.dataSource.manager.findOneByOrFail(ServiceInstance, { tenantId, app });
  const imageOf = async (tenantId: string, app: string, service: string) => (await serviceContainer(docker, tenantId, app, service)).Image;
  const reveal = async (tenantId: string) => (await plane.http().post(`/api/v1/tenants/${tenantId}/credentials/reveal`).set(club.owner.auth).expect(200)).body;

  beforeAll(async () => {
    await requireImages(engine, ['allmende/prosody:0.12', 'allmende/prosody:13', 'allmende/wordpress:6.1', 'allmende/wordpress:6.8', 'allmende/mariadb:10.11', 'allmende/restic:0.18', 'allmende/busybox:1']);
    // the broken release: the 13 image with its SQL storage switched off
    const builder = `alm-e2e-${RUN}-broken`;
    await dockerCli(engine.endpoint, [
      'run', '--name', builder, '--user', 'root', '--entrypoint', 'sed', 'allmende/prosody:13',
      '-i', 's/env("ALLMENDE_XMPP_STORAGE", "sql") == "sql"/env("ALLMENDE_XMPP_STORAGE", "sql") == "broken"/', '/etc/prosody/prosody.cfg.lua',
    ]);
    const original = JSON.parse(await dockerCli(engine.endpoint, ['image', 'inspect', '--format', '{{json .Config}}', 'allmende/prosody:13']));
    await dockerCli(engine.endpoint, ['commit', '--change', `ENTRYPOINT ${JSON.stringify(original.Entrypoint)}`, '--change', `CMD ${JSON.stringify(original.Cmd)}`, '--change', `USER ${original.User || 'root'}`, builder, BROKEN]);
    await dockerCli(engine.endpoint, ['rm', builder]);
    await dockerCli(engine.endpoint, ['tag', 'allmende/prosody:13', NEXT]);

    cpSync('templates', templatesDir, { recursive: true });
    const manifest = join(templatesDir, 'prosody/manifest.yaml');
    const extra = ['13.5', NEXT, '13.9', BROKEN].reduce<string[]>((lines, value, index, all) => (index % 2 ? lines : [...lines, `  - version: "${value}"`, '    upgradeFrom: ["0.12"]', '    images:', `      prosody: ${all[index + 1]}`]), []);
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('      prosody: allmende/prosody:13\n', `      prosody: allmende/prosody:13\n${extra.join('\n')}\n`));

    plane = await startControlPlane({ ALLMENDE_TEMPLATES_DIR: templatesDir, ALLMENDE_PLANS_FILE: join(templatesDir, 'plans.yaml'), ALLMENDE_RECONCILE_INTERVAL_SECONDS: '5', ALLMENDE_HEALTH_TIMEOUT_SECONDS: '60' });
    operator = await createOperator(plane);
    club = await createClub(plane, 'Upgrade Club');
  });

  afterAll(async () => {
    await plane?.close();
    for (const id of tenants) await removeTenantObjects(docker, id).catch(() => undefined);
    await dockerCli(engine.endpoint, ['rmi', BROKEN, NEXT]).catch(() => undefined);
    rmSync(templatesDir, { recursive: true, force: true });
  });

  it('upgrades Prosody 0.12 to 13.0: the user logs in with a real XMPP client afterwards and the archive is there', async () => {
    const subdomain = `up${RUN}`;
    const tenantId = await createTenant('chat', subdomain, { prosody: '0.12' });
    const domain = domainOf(subdomain);
    const prosody = async () => (await serviceContainer(docker, tenantId, 'prosody', 'prosody')).Id;
    await createXmppUser(engine.endpoint, await prosody(), domain, 'alice', 'alice-password-1');
    await createXmppUser(engine.endpoint, await prosody(), domain, 'bob', 'bob-password-1');
    const port = (await instanceOf(tenantId, 'prosody')).endpoints.find((endpoint) => endpoint.containerPort === 5222)!.hostPort;
    const certificate = await plane.rootCertificate();
    const login = (action?: string[]) => xmppLogin({ host: '127.0.0.1', port, domain, username: 'alice', password: 'alice-password-1', certificate, action });
    const sent = login(['send', `bob@${domain}`, `Seed swap on Saturday ${RUN}`]);
    expect(sent.output).toContain('sent');
    expect(login(['archive']).output).toContain(`Seed swap on Saturday ${RUN}`);

    const done = await upgrade(tenantId, 'prosody', '13.0');
    expect(done.state).toBe('succeeded');
    expect(done.steps.map((step) => [step.name, step.state])).toEqual([['check', 'done'], ['backup', 'done'], ['replace', 'done'], ['migrate', 'done'], ['health', 'done'], ['rollback', 'done']]);
    expect(done.steps.find((step) => step.name === 'health')?.message).toContain(`admin@${domain} logged in`);
    expect(done.steps.find((step) => step.name === 'rollback')?.message).toBe('not needed');
    expect(await imageOf(tenantId, 'prosody', 'prosody')).toBe('allmende/prosody:13');
    expect((await instanceOf(tenantId, 'prosody')).version).toBe('13.0');
    const version = await dockerCli(engine.endpoint, ['exec', await prosody(), 'prosodyctl', 'about']);
    expect(version).toMatch(/Prosody 13\./);

    // a real client, through the same fixed port, with the edge's certificate: the account and its archive are there
    const after = login(['archive']);
    expect(after.ok).toBe(true);
    expect(after.output).toContain(`online alice@${domain}`);
    expect(after.output).toContain(`archived alice@${domain} Seed swap on Saturday ${RUN}`);
    const backups = (await plane.http().get(`/api/v1/tenants/${tenantId}/backups`).set(operator.auth).expect(200)).body.backups;
    expect(backups.filter((backup: { kind: string; state: string }) => backup.kind === 'pre-upgrade' && backup.state === 'succeeded')).toHaveLength(1);
    expect((await lettersTo(plane, UPGRADE_FINISHED_LETTER)).map((letter) => letter.recipient)).toContain(club.owner.email);
  }, 600_000);

  it('upgrades WordPress 6.1 to 6.8: the database is upgraded, the post and the image are served, the admin logs in', async () => {
    const subdomain = `wp${RUN}`;
    const tenantId = await createTenant('website', subdomain, { wordpress: '6.1' });
    const domain = domainOf(subdomain);
    const web = async () => (await serviceContainer(docker, tenantId, 'wordpress', 'web')).Id;
    const db = async () => (await serviceContainer(docker, tenantId, 'wordpress', 'db')).Id;
    const postId = await createPost(engine.endpoint, await web(), `Open garden day ${RUN}`);
    const imagePath = await uploadImage(engine.endpoint, await web(), `beds-${RUN}.png`, postId);
    const dbVersion = async () => (await dockerCli(engine.endpoint, ['exec', await db(), 'mariadb', '--database=wordpress', '--batch', '--skip-column-names', "--execute=SELECT option_value FROM wp_options WHERE option_name = 'db_version'"])).trim();
    const before = Number(await dbVersion());

    const done = await upgrade(tenantId, 'wordpress', '6.8');
    expect(done.state).toBe('succeeded');
    expect(done.steps.find((step) => step.name === 'migrate')?.message).toMatch(/upgrade-database: /);
    expect(done.steps.find((step) => step.name === 'health')?.message).toContain(`Open garden day ${RUN}`);
    expect(await imageOf(tenantId, 'wordpress', 'web')).toBe('allmende/wordpress:6.8');
    expect(await imageOf(tenantId, 'wordpress', 'db')).toBe('allmende/mariadb:10.11');
    expect(Number(await dbVersion())).toBeGreaterThan(before);

    const ca = await plane.rootCertificate();
    const post = await edgeHttps(plane.edge.httpsPort, domain, `/?p=${postId}`, ca);
    expect(post.status).toBe(200);
    expect(post.body).toContain(`Open garden day ${RUN}`);
    expect(post.body).toMatch(/ver=6\.8/); // assets of the new release
    const image = await edgeHttps(plane.edge.httpsPort, domain, imagePath, ca);
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(Number(image.headers['content-length'])).toBe(PNG.length);
    const [credential] = await reveal(tenantId);
    const signIn = await edgeLogin(plane.edge.httpsPort, domain, ca, credential.username, credential.password);
    expect(signIn.status).toBe(302);
    expect(signIn.location).toMatch(/\/wp-admin\/$/);
    expect(await postTitles(engine.endpoint, await db())).toContain(`Open garden day ${RUN}`);
  }, 600_000);

  it('rolls back an upgrade that fails its health gate: the old version runs with its data, and the operation says why', async () => {
    const subdomain = `rb${RUN}`;
    const tenantId = await createTenant('chat', subdomain, { prosody: '0.12' });
    const domain = domainOf(subdomain);
    const prosody = async () => (await serviceContainer(docker, tenantId, 'prosody', 'prosody')).Id;
    await createXmppUser(engine.endpoint, await prosody(), domain, 'alice', 'written-before-1');

    const done = await upgrade(tenantId, 'prosody', '13.9');
    expect(done.state).toBe('failed');
    expect(done.steps.map((step) => [step.name, step.state])).toEqual([['check', 'done'], ['backup', 'done'], ['replace', 'done'], ['migrate', 'done'], ['health', 'failed'], ['rollback', 'done']]);
    expect(done.error).toContain('upgrade prosody 0.12 -> 13.9 failed in step health');
    expect(done.error).toContain(`admin@${domain} could not log in`);
    expect(done.error).toContain('Rolled back: prosody 0.12 runs again');
    expect(await imageOf(tenantId, 'prosody', 'prosody')).toBe('allmende/prosody:0.12');
    expect((await instanceOf(tenantId, 'prosody')).version).toBe('0.12');
    expect(await xmppLoginIn(engine.endpoint, await prosody(), domain, 'alice', 'written-before-1')).toBe(true);
    const [credential] = await reveal(tenantId);
    expect(await xmppLoginIn(engine.endpoint, await prosody(), domain, 'admin', credential.password)).toBe(true);
    const tenant = (await plane.http().get(`/api/v1/tenants/${tenantId}`).set(operator.auth).expect(200)).body;
    expect(tenant.state).toBe('active');
  }, 600_000);

  it('stops a rollout over six tenants by itself when its second batch meets a broken version, leaving the rest untouched', async () => {
    const fleet = await Promise.all([1, 2, 3, 4, 5, 6].map((index) => createTenant('chat', `ro${index}${RUN}`, { prosody: '0.12' })));
    const plan = await plane.http().post('/api/v1/upgrades/plan').set(operator.auth).send({ app: 'prosody', to: '13.5', selection: { tenantIds: fleet } }).expect(200);
    expect(plan.body.tenants.map((entry: { action: string; replaced: string[] }) => [entry.action, entry.replaced])).toEqual(fleet.map(() => ['upgrade', ['prosody']]));

    const created = await plane.http().post('/api/v1/rollouts').set(operator.auth).send({ app: 'prosody', to: '13.5', selection: { tenantIds: fleet }, canarySize: 1, batchSize: 2, pauseSeconds: 3600, maxFailures: 0 }).expect(201);
    const rolloutId = created.body.id;
    const rollout = async () => (await plane.http().get(`/api/v1/rollouts/${rolloutId}`).set(operator.auth).expect(200)).body;
    const until = async (done: (body: { state: string; counts: Record<string, number> }) => boolean, what: string) => {
      const deadline = Date.now() + 400_000;
      for (;;) {
        const body = await rollout();
        if (done(body)) return body;
        if (Date.now() > deadline) throw new Error(`rollout never ${what}: ${JSON.stringify(body)}`);
        await sleep(500);
      }
    };
    // the canary passes; the rollout waits its pause for health
    await until((body) => body.counts.succeeded === 1, 'finished its canary');
    await plane.http().post(`/api/v1/rollouts/${rolloutId}/control`).set(operator.auth).send({ action: 'pause' }).expect(200);
    // a bad release appears under the version's tag; the operator resumes (the next batch starts now)
    await dockerCli(engine.endpoint, ['tag', BROKEN, NEXT]);
    await plane.http().post(`/api/v1/rollouts/${rolloutId}/control`).set(operator.auth).send({ action: 'resume' }).expect(200);
    const stopped = await until((body) => body.state === 'stopped', 'stopped');
    expect(stopped.reason).toContain('2 upgrade(s) failed, more than the 0 allowed');
    expect(stopped.counts).toEqual({ pending: 3, running: 0, succeeded: 1, failed: 2, skipped: 0 });
    const targets: { tenantId: string; batch: number | null; state: string; reason: string | null }[] = (await rollout()).targets;
    expect(targets.map((target) => [target.batch, target.state])).toEqual([[1, 'succeeded'], [2, 'failed'], [2, 'failed'], [null, 'pending'], [null, 'pending'], [null, 'pending']]);
    expect(targets[1].reason).toContain('Rolled back');

    // the canary runs the new version; the failed ones their old one again; the rest was never touched
    expect((await instanceOf(fleet[0], 'prosody')).version).toBe('13.5');
    for (const id of fleet.slice(1, 3)) {
      expect((await instanceOf(id, 'prosody')).version).toBe('0.12');
      expect(await imageOf(id, 'prosody', 'prosody')).toBe('allmende/prosody:0.12');
    }
    for (const id of fleet.slice(3)) {
      expect((await instanceOf(id, 'prosody')).version).toBe('0.12');
      expect(await plane.dataSource.query(`select id from operation where target_id = $1 and kind = 'upgrade'`, [id])).toEqual([]);
    }
    expect((await lettersTo(plane, UPGRADE_PLANNED_LETTER)).length).toBeGreaterThanOrEqual(6);
    const aborted = await plane.http().post(`/api/v1/rollouts/${rolloutId}/control`).set(operator.auth).send({ action: 'abort' }).expect(200);
    expect(aborted.body.counts).toMatchObject({ pending: 0, skipped: 3 });
  }, 900_000);
});

/** An image uploaded the way WordPress's media library stores one (wp_upload_bits, an attachment of the post); its URL path. */
async function uploadImage(endpoint: string, webContainer: string, name: string, postId: number): Promise<string> {
  const php = [
    '$_SERVER["HTTP_HOST"] = "localhost"; require "/usr/share/wordpress/wp-load.php";',
    '$upload = wp_upload_bits($argv[1], null, base64_decode(stream_get_contents(STDIN)));',
    'if ($upload["error"]) { fwrite(STDERR, $upload["error"]); exit(1); }',
    'wp_insert_attachment(["post_mime_type" => "image/png", "post_title" => $argv[1], "post_status" => "inherit"], $upload["file"], (int) $argv[2]);',
    'echo parse_url($upload["url"], PHP_URL_PATH);',
  ].join(' ');
  const out = await dockerCli(endpoint, ['exec', '-i', webContainer, 'php', '-r', php, '--', name, String(postId)], PNG.toString('base64'));
  const path = out.trim().split('\n').pop() ?? '';
  if (!path.startsWith('/wp-content/uploads/')) throw new Error(`the upload printed ${out}`);
  return path;
}

/** WordPress's login form posted through the edge over verified HTTPS. */
function edgeLogin(port: number, hostName: string, ca: string, username: string, password: string): Promise<{ status: number; location: string }> {
  const body = new URLSearchParams({ log: username, pwd: password, 'wp-submit': 'Log In', testcookie: '1' }).toString();
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1', port, path: '/wp-login.php', method: 'POST', servername: hostName, ca, agent: false, timeout: 15_000,
        headers: { Host: `${hostName}:${port}`, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), Cookie: 'wordpress_test_cookie=WP%20Cookie%20check' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? '') }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer from wp-login.php')));
    req.on('error', reject);
    req.end(body);
  });
}
