import type { ContainerRuntime, EngineEndpoint } from '#runtime';
import type { DrillProbe } from '../entities/index.js';
import type { AppDeployment } from '../pipeline/tenant-deployments.js';

// What a restore drill does with each restored app, the way its people use it, inside the
// scratch copy's own containers (its network has no route out, nothing is published). Each
// probe is argv and stdin for `docker exec` plus a pure judgement of the output.

export interface ProbeCommand {
  app: string;
  probe: string;
  service: string;
  argv: string[];
  /** Secrets (a password) reach the probe only here. */
  stdin?: string;
  user?: string;
  timeoutMs: number;
  /** Reads the output; may ask for a follow-up command (e.g. fetch the post it found). */
  judge(output: { exitCode: number; stdout: string; stderr: string }): { ok: boolean; detail: string; next?: ProbeCommand };
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const XMPP_LOCALPART = /^[a-z0-9._-]{1,64}$/;

export function escapeXmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

/**
 * A real XMPP login, as a client does it: STARTTLS (openssl's own XMPP support), then SASL
 * PLAIN with the account's password, which travels on stdin only. The shell script is fixed
 * text; the domain is its positional argument, never part of the script.
 */
export function xmppLoginProbe(app: string, domain: string, username: string, password: string): ProbeCommand {
  if (!DNS_NAME.test(domain)) throw new Error(`not a domain: ${domain}`);
  if (!XMPP_LOCALPART.test(username)) throw new Error(`not an XMPP user name: ${username}`);
  const auth = Buffer.from(`\0${username}\0${password}`, 'utf8').toString('base64');
  return {
    app,
    probe: 'xmpp-login',
    service: 'prosody',
    // stdin stays open two more seconds so the server's answer arrives before openssl hangs up
    argv: ['sh', '-c', '(cat; sleep 2) | openssl s_client -quiet -no_ign_eof -starttls xmpp -xmpphost "$1" -connect 127.0.0.1:5222 2>/dev/null', 'sh', domain],
    stdin:
      `<?xml version='1.0'?><stream:stream to='${escapeXmlText(domain)}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>` +
      `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${auth}</auth>`,
    timeoutMs: 30_000,
    judge: ({ stdout }) => {
      if (stdout.includes('<success')) return { ok: true, detail: `${username}@${domain} logged in (STARTTLS, SASL PLAIN)` };
      const failure = /<failure[^>]*>(.*?)<\/failure>/s.exec(stdout)?.[1]?.replace(/<[^>]+>/g, ' ').trim();
      return { ok: false, detail: `${username}@${domain} could not log in: ${failure || (stdout.trim().slice(-300) || 'no answer from Prosody')}` };
    },
  };
}

/** The newest published post in the restored database, then that post fetched from the restored site. */
export function wordpressPostProbe(app: string, domain: string): ProbeCommand {
  if (!DNS_NAME.test(domain)) throw new Error(`not a domain: ${domain}`);
  return {
    app,
    probe: 'post-served',
    service: 'db',
    argv: ['mariadb', '--database=wordpress', '--batch', '--skip-column-names', "--execute=SELECT ID, post_title FROM wp_posts WHERE post_status = 'publish' AND post_type = 'post' ORDER BY ID DESC LIMIT 1"],
    timeoutMs: 30_000,
    judge: ({ exitCode, stdout, stderr }) => {
      if (exitCode !== 0) return { ok: false, detail: `the restored database did not answer: ${stderr.trim().slice(-300)}` };
      const [id, ...title] = stdout.trim().split('\t');
      if (!/^\d+$/.test(id ?? '')) return { ok: false, detail: 'the restored database has no published post' };
      return { ok: true, detail: '', next: wordpressFetchProbe(app, domain, Number(id), title.join('\t')) };
    },
  };
}

/** `host` is what the edge would send as Host: the domain, or the domain and port a redirect names (WordPress's home URL carries the edge's port when it is not 443). */
function wordpressFetchProbe(app: string, host: string, id: number, title: string, path = `/?p=${id}`, hops = 0): ProbeCommand {
  return {
    app,
    probe: 'post-served',
    service: 'web',
    // as the edge proxy forwards it: the club's host name, over https
    argv: ['curl', '-sS', '--max-time', '20', '-H', `Host: ${host}`, '-H', 'X-Forwarded-Proto: https', '-o', '-', '-w', '\n%{http_code} %{redirect_url}', `http://127.0.0.1:8080${path}`],
    timeoutMs: 30_000,
    judge: ({ exitCode, stdout, stderr }) => {
      if (exitCode !== 0) return { ok: false, detail: `the restored site did not answer: ${stderr.trim().slice(-300)}` };
      const split = stdout.lastIndexOf('\n');
      const body = stdout.slice(0, split);
      const [status, location = ''] = stdout.slice(split + 1).split(' ');
      const redirect = /^https?:\/\/([A-Za-z0-9.-]+(?::\d{1,5})?)(\/[^\s]*)$/.exec(location);
      // only to the club's own name (another port of it at most): a restored site is not let to send the probe elsewhere
      const sameName = redirect && redirect[1].replace(/:\d+$/, '') === host.replace(/:\d+$/, '');
      if ((status === '301' || status === '302') && redirect && sameName && hops < 2) return { ok: true, detail: '', next: wordpressFetchProbe(app, redirect[1], id, title, redirect[2], hops + 1) };
      const shown = body.includes(title) || body.includes(escapeXmlText(title).replace(/&apos;/g, '&#039;'));
      return status === '200' && shown
        ? { ok: true, detail: `post ${id} "${title}" is served (${path})` }
        : { ok: false, detail: `post ${id} "${title}" is not served: HTTP ${status} for ${path}${status === '200' ? ' without its title' : ''}` };
    },
  };
}

/** The restored Mastodon database has its accounts. */
export function mastodonRowsProbe(app: string): ProbeCommand {
  return {
    app,
    probe: 'database-rows',
    service: 'db',
    argv: ['psql', '--host=/var/run/postgresql', '--username=mastodon', '--dbname=mastodon_production', '--tuples-only', '--no-align', '--command=SELECT count(*) FROM accounts'],
    timeoutMs: 30_000,
    judge: ({ exitCode, stdout, stderr }) => {
      const count = Number(stdout.trim());
      if (exitCode !== 0 || !Number.isInteger(count)) return { ok: false, detail: `the restored database did not answer: ${stderr.trim().slice(-300)}` };
      return count > 0 ? { ok: true, detail: `${count} account(s) in the restored database` } : { ok: false, detail: 'the restored database has no accounts' };
    },
  };
}

/** The probes of one restored app (an app without its own is proven by its health checks alone). */
export function probesFor(app: AppDeployment, domain: string): ProbeCommand[] {
  switch (app.plan.app) {
    case 'prosody': {
      const [localpart] = app.admin.username.split('@');
      return [xmppLoginProbe(app.plan.app, domain, localpart, app.secrets[app.admin.passwordSecret] ?? '')];
    }
    case 'wordpress':
      return [wordpressPostProbe(app.plan.app, domain)];
    case 'mastodon':
      return [mastodonRowsProbe(app.plan.app)];
    default:
      return [];
  }
}

/** A probe's result as the drill records it. */
export function probeResult(command: ProbeCommand, ok: boolean, detail: string): DrillProbe {
  return { app: command.app, probe: command.probe, ok, detail: detail.slice(0, 500) };
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs a probe and its follow-ups in the app's own containers (a drill's scratch copy, or a tenant after an upgrade). */
export async function runProbe(runtime: ContainerRuntime, host: EngineEndpoint, app: AppDeployment, first: ProbeCommand): Promise<DrillProbe> {
  let command: ProbeCommand | undefined = first;
  while (command) {
    const service = command.service;
    const container = app.plan.containers.find((candidate) => candidate.service === service);
    if (!container) return probeResult(command, false, `no ${service} service`);
    let output;
    try {
      output = await runtime.exec(host, container.name, command.argv, { stdin: command.stdin, user: command.user, timeoutMs: command.timeoutMs });
    } catch (error) {
      return probeResult(command, false, errorText(error));
    }
    const verdict = command.judge(output);
    if (!verdict.ok || !verdict.next) return probeResult(command, verdict.ok, verdict.detail);
    command = verdict.next;
  }
  return probeResult(first, false, 'no verdict');
}
