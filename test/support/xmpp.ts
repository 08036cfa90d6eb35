import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Logs in with a real XMPP client, trusting exactly the given certificate. Returns the bound JID. */
export function xmppLogin(input: { host: string; port: number; domain: string; username: string; password: string; certificate: string }): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'allmende-xmpp-'));
  try {
    const ca = join(dir, 'tenant.crt');
    writeFileSync(ca, input.certificate);
    const result = spawnSync(process.execPath, [join(process.cwd(), 'test/support/xmpp-login.mjs'), input.host, String(input.port), input.domain, input.username, input.password], {
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: ca },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
