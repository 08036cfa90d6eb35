import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { createPost, createXmppUser, dockerCli, downloadExport, serviceContainer, xmppLoginIn } from '#test/support/backups.js';
import { ControlPlane, startControlPlane } from '#test/support/control-plane.js';
import { removeLabelled, requireImages, testDocker, testEngine } from '#test/support/docker.js';
import { removeTenantObjects } from '#test/support/docker-exec.js';
import { createClub, createOperator, Session } from '#test/support/fixtures.js';

/**
 * Data can leave at any time: an owner's export, downloaded as one archive, is brought up the way
 * its README tells a person to, on a container built from Debian's own packages (prosody,
 * wordpress, apache2, mariadb-server; nothing of Allmende's). The club's XMPP account logs in with
 * its old password and WordPress serves the club's post.
 */
const RUN = randomBytes(3).toString('hex');
const RUN_LABEL = `allmende-e2e.run=${RUN}`;
const SUBDOMAIN = `ex${RUN}`;
const DOMAIN = `${SUBDOMAIN}.allmende.localhost`;
const PLAIN = `alm-e2e-${RUN}-plain`;
const run = promisify(execFile);

/** A person's steps from the export's README, as a script run inside the plain container (values arrive as arguments, never pasted in). */
const PROSODY_STEPS = `set -e
cp -a /export/prosody/data/. /var/lib/prosody/
chown -R prosody:prosody /var/lib/prosody
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" -keyout "/etc/prosody/certs/$1.key" -out "/etc/prosody/certs/$1.crt" 2>/dev/null
chown prosody:prosody "/etc/prosody/certs/$1.key" "/etc/prosody/certs/$1.crt"
printf 'VirtualHost "%s"\\n' "$1" > /etc/prosody/conf.d/club.cfg.lua
printf '%s\\n' '  storage = "sql"' '  sql = { driver = "SQLite3", database = "prosody.sqlite" }' >> /etc/prosody/conf.d/club.cfg.lua
mkdir -p /run/prosody && chown prosody:prosody /run/prosody
runuser -u prosody -- prosody -D
for i in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/5222) 2>/dev/null && exit 0; sleep 0.2; done
echo "prosody does not listen" >&2; exit 1`;

const WORDPRESS_STEPS = `set -e
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
(mysqld_safe >/dev/null 2>&1 &)
for i in $(seq 100); do mysqladmin ping >/dev/null 2>&1 && break; sleep 0.3; done
mysql -u root < /export/wordpress/wordpress.sql
mysql -u root -e "CREATE USER 'wordpress'@'localhost' IDENTIFIED BY 'plain-install'; GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';"
rm -rf /var/lib/wordpress/wp-content
cp -a /export/wordpress/wp-content /var/lib/wordpress/wp-content
chown -R www-data:www-data /var/lib/wordpress/wp-content
cat > /etc/wordpress/config-localhost.php <<'PHP'
<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', 'plain-install');
define('DB_HOST', 'localhost');
define('WP_CONTENT_DIR', '/var/lib/wordpress/wp-content');
// at another address than the club's (README step 5)
define('WP_HOME', 'http://localhost');
define('WP_SITEURL', 'http://localhost');
$table_prefix = 'wp_';
PHP
sed -i 's#DocumentRoot /var/www/html#DocumentRoot /usr/share/wordpress#' /etc/apache2/sites-enabled/000-default.conf
apache2ctl start`;

describe('an export opens on a plain upstream install', () => {
  const engine = testEngine();
  const docker: Docker = testDocker(engine);
  const workDir = mkdtempSync(join(tmpdir(), 'allmende-e2e-export-'));
  let plane: ControlPlane;
  let owner: Session;
  let tenantId: string;
  const title = `Harvest festival ${RUN}`;

  beforeAll(async () => {
    await requireImages(engine, ['allmende/prosody:0.12', 'allmende/wordpress:6.1', 'allmende/mariadb:10.11', 'allmende/busybox:1', 'allmende-test/plain-debian:12']);
    plane = await startControlPlane();
    const operator = await createOperator(plane);
    const club = await createClub(plane, 'Export Club');
    owner = club.owner;
    const created = await plane.http().post('/api/v1/tenants').set(operator.auth).send({ organizationId: club.organizationId, planCode: 'club', subdomain: SUBDOMAIN }).expect(201);
    tenantId = created.body.tenant.id;
    await plane.waitForOperation(created.body.operation.id, 300_000);
    await createXmppUser(engine.endpoint, (await serviceContainer(docker, tenantId, 'prosody', 'prosody')).Id, DOMAIN, 'alice', 'alice-password-1');
    await createPost(engine.endpoint, (await serviceContainer(docker, tenantId, 'wordpress', 'web')).Id, title);
  });

  afterAll(async () => {
    // the plane first: its reconcile loop would put back what the cleanup removes
    await plane?.close();
    await removeTenantObjects(docker, tenantId).catch(() => undefined);
    await removeLabelled(engine, [RUN_LABEL]);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('downloads as one archive with a README, no private key, no symlink, and a dump plain MySQL reads', async () => {
    const started = await plane.http().post(`/api/v1/tenants/${tenantId}/exports`).set(owner.auth).expect(201);
    await plane.waitForOperation(started.body.operation.id, 300_000);
    const [exported] = (await plane.http().get(`/api/v1/tenants/${tenantId}/exports`).set(owner.auth).expect(200)).body;
    const archive = await downloadExport(plane, owner.auth, exported.download);
    writeFileSync(join(workDir, 'export.tar.gz'), archive);
    await run('tar', ['-xzf', join(workDir, 'export.tar.gz'), '-C', workDir]);
    const files = walk(workDir).filter((path) => !path.endsWith('export.tar.gz'));
    expect(files.map((path) => path.slice(workDir.length + 1))).toEqual(expect.arrayContaining(['README.md', 'prosody/data/prosody.sqlite', 'wordpress/wordpress.sql']));
    expect(readFileSync(join(workDir, 'README.md'), 'utf8')).toContain(`VirtualHost "${DOMAIN}"`);
    expect(files.filter((path) => lstatSync(path).isSymbolicLink())).toEqual([]);
    expect(files.filter((path) => statSync(path).isFile() && readFileSync(path).includes('PRIVATE KEY-----'))).toEqual([]);
    const [firstLine] = readFileSync(join(workDir, 'wordpress/wordpress.sql'), 'utf8').split('\n', 1);
    expect(firstLine).not.toMatch(/^\/\*M!999999/); // MariaDB's sandbox line, which MySQL cannot read
  });

  it("runs on Debian's own Prosody and WordPress: alice logs in with her old password, the post is served", async () => {
    await dockerCli(engine.endpoint, ['run', '-d', '--name', PLAIN, '--label', RUN_LABEL, '-v', `${workDir}:/export:ro`, 'allmende-test/plain-debian:12']);
    await dockerCli(engine.endpoint, ['exec', PLAIN, 'bash', '-c', PROSODY_STEPS, 'prosody-steps', DOMAIN]);
    const login = await xmppLoginIn(engine.endpoint, PLAIN, DOMAIN, 'alice', 'alice-password-1');
    // (Prosody's log in the failure message, should it refuse)
    const log = login ? '' : await dockerCli(engine.endpoint, ['exec', PLAIN, 'bash', '-c', 'tail -n 30 /var/log/prosody/prosody.log /var/log/prosody/prosody.err 2>&1; ls -la /var/lib/prosody']);
    expect({ login, log }).toEqual({ login: true, log: '' });
    expect(await xmppLoginIn(engine.endpoint, PLAIN, DOMAIN, 'alice', 'a-wrong-password')).toBe(false);

    await dockerCli(engine.endpoint, ['exec', PLAIN, 'bash', '-c', WORDPRESS_STEPS]);
    const id = (await dockerCli(engine.endpoint, ['exec', PLAIN, 'mysql', '--batch', '--skip-column-names', 'wordpress', '-e', "SELECT ID FROM wp_posts WHERE post_status = 'publish' AND post_type = 'post' ORDER BY ID DESC LIMIT 1"])).trim();
    const page = await dockerCli(engine.endpoint, ['exec', PLAIN, 'curl', '-sS', '--max-time', '20', '-w', '\n%{http_code}', `http://localhost/?p=${id}`]);
    expect(page.trim().split('\n').pop()).toBe('200');
    expect(page).toContain(title);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}
