import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { LABELS } from '#runtime';
import type { ControlPlane } from './control-plane.js';

const execFileAsync = promisify(execFile);

/** The docker CLI against the test engine (argv, never a shell), with stdin when given. */
export async function dockerCli(endpoint: string, args: string[], input?: string): Promise<string> {
  const child = execFileAsync('docker', ['-H', endpoint, ...args], { maxBuffer: 256 * 1024 * 1024 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  return (await child).stdout;
}

/** The container of a tenant's service. */
export async function serviceContainer(docker: Docker, tenantId: string, app: string, service: string): Promise<Docker.ContainerInfo> {
  const [container] = await docker.listContainers({ all: true, filters: { label: [`${LABELS.tenant}=${tenantId}`, `${LABELS.app}=${app}`, `${LABELS.service}=${service}`] } });
  if (!container) throw new Error(`tenant ${tenantId} has no ${app} ${service} container`);
  return container;
}

/** `docker exec` with stdin (secrets travel there), as the given user. */
export async function execWithInput(endpoint: string, container: string, argv: string[], input: string, user?: string): Promise<string> {
  return dockerCli(endpoint, ['exec', '-i', ...(user ? ['-u', user] : []), container, ...argv], input);
}

/**
 * A real XMPP login inside a Prosody container: STARTTLS and SASL PLAIN through openssl, the
 * password on stdin. True when Prosody says <success/>.
 */
export async function xmppLoginIn(endpoint: string, container: string, domain: string, user: string, password: string): Promise<boolean> {
  const auth = Buffer.from(`\0${user}\0${password}`).toString('base64');
  const stream = `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${auth}</auth>`;
  const out = await execWithInput(endpoint, container, ['sh', '-c', '(cat; sleep 2) | openssl s_client -quiet -no_ign_eof -starttls xmpp -xmpphost "$1" -connect 127.0.0.1:5222 2>/dev/null', 'sh', domain], stream);
  return out.includes('<success');
}

/** Creates an XMPP account (password on stdin) with the image's helper. */
export async function createXmppUser(endpoint: string, container: string, domain: string, user: string, password: string): Promise<void> {
  await execWithInput(endpoint, container, ['allmende-prosody-set-password', user, domain], password, 'prosody');
}

/** Publishes a WordPress post the way WordPress does it (wp_insert_post), returns its id. */
export async function createPost(endpoint: string, webContainer: string, title: string): Promise<number> {
  const php = '$_SERVER["HTTP_HOST"] = "localhost"; require "/usr/share/wordpress/wp-load.php"; echo wp_insert_post(["post_title" => $argv[1], "post_content" => "Posted by the test.", "post_status" => "publish"]);';
  const out = await dockerCli(endpoint, ['exec', webContainer, 'php', '-r', php, '--', title]);
  const id = Number(out.trim().split('\n').pop());
  if (!Number.isInteger(id) || id <= 0) throw new Error(`wp_insert_post printed ${out}`);
  return id;
}

/** Titles of the published posts in a WordPress database. */
export async function postTitles(endpoint: string, dbContainer: string): Promise<string[]> {
  const out = await dockerCli(endpoint, ['exec', dbContainer, 'mariadb', '--database=wordpress', '--batch', '--skip-column-names', "--execute=SELECT post_title FROM wp_posts WHERE post_status = 'publish' AND post_type = 'post' ORDER BY ID"]);
  return out.split('\n').filter(Boolean);
}

/** The letters queued to operators, by template. */
export async function lettersTo(plane: ControlPlane, template: string): Promise<{ recipient: string }[]> {
  return plane.dataSource.query(`select recipient from mail_letter where template = $1 order by created_at`, [template]);
}

/** Waits until the operation is finished (failed too) and returns it. */
export async function waitForEnd(plane: ControlPlane, id: string, timeoutMs = 300_000): Promise<{ state: string; error: string | null; steps: { name: string; state: string; message?: string }[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await plane.dataSource.query(`select state, error, steps from operation where id = $1`, [id]);
    if (row.state === 'succeeded' || row.state === 'failed') return row;
    if (Date.now() > deadline) throw new Error(`operation ${id} still ${row.state}: ${JSON.stringify(row.steps)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** An export archive's bytes, downloaded as the owner's browser would (the whole body, whatever its type). */
export async function downloadExport(plane: ControlPlane, auth: Record<string, string>, download: string): Promise<Buffer> {
  const response = await plane
    .http()
    .get(download)
    .set(auth)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    })
    .expect(200);
  return response.body as Buffer;
}
