import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Login = { domain: string; username: string; password: string; certificate: string; action?: string[] } & ({ host: string; port: number } | { dnsServer: string });

/**
 * Logs in with a real XMPP client, trusting exactly the given certificate (or CA). With
 * `dnsServer` it finds the server through the domain's SRV records, as clients do; otherwise it
 * connects to host:port. Returns the bound JID on success.
 */
export function xmppLogin(input: Login): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'allmende-xmpp-'));
  try {
    const ca = join(dir, 'tenant.crt');
    writeFileSync(ca, input.certificate);
    const target = 'dnsServer' in input ? ['--srv', input.dnsServer] : [input.host, String(input.port)];
    const result = spawnSync(process.execPath, [join(process.cwd(), 'test/support/xmpp-login.mjs'), ...target, input.domain, input.username, input.password, ...(input.action ?? [])], {
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: ca },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
