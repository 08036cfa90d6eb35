import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '#platform';

// A real authoritative DNS server for tests: Debian's Knot DNS (knotd) on 127.0.0.1, its zones
// changed while it runs through its control socket (knotc zone-begin/zone-set/zone-commit),
// as an operator would. Every call passes argv arrays; record data is never put into a shell.

const KNOTD = '/usr/sbin/knotd';
const KNOTC = '/usr/sbin/knotc';

export interface ZoneRecord {
  /** Relative to the zone ("@" for its top) or absolute with a trailing dot. */
  owner: string;
  type: 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'SRV' | 'NS';
  /** Zone-file data: an address, "target.", "\"text\"", "0 5 5222 host.". */
  data: string;
}

export interface TestDnsServer {
  /** ip:port for ALLMENDE_DNS_RESOLVERS. */
  address: string;
  port: number;
  set(zone: string, record: ZoneRecord): void;
  /** Removes every record of `type` at `owner` (all types when omitted). */
  unset(zone: string, owner: string, type?: ZoneRecord['type']): void;
  stop(): Promise<void>;
}

function requireKnot(): void {
  const probe = spawnSync(KNOTD, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`Knot DNS is missing (${KNOTD}): the DNS tests start a real authoritative server. Install it with: apt-get install -y knot`);
  }
}

/**
 * Starts knotd serving `zones` (name -> records; SOA and NS are added). `broken` zones are
 * configured without a zone file: knotd answers SERVFAIL for them.
 */
export async function startDnsServer(zones: Record<string, ZoneRecord[]>, broken: string[] = []): Promise<TestDnsServer> {
  requireKnot();
  const dir = mkdtempSync(join(tmpdir(), 'allmende-knot-'));
  const port = await freePort();
  mkdirSync(join(dir, 'zones'));
  mkdirSync(join(dir, 'db'));
  const socket = join(dir, 'knot.sock');
  const zoneList = [...Object.keys(zones), ...broken];
  const config = [
    'server:',
    `    rundir: "${dir}"`,
    `    listen: 127.0.0.1@${port}`,
    '    user: root:root',
    'control:',
    `    listen: "${socket}"`,
    'database:',
    `    storage: "${join(dir, 'db')}"`,
    'log:',
    '  - target: stderr',
    '    any: warning',
    'template:',
    '  - id: default',
    `    storage: "${join(dir, 'zones')}"`,
    '    zonefile-sync: -1',
    '    zonefile-load: whole',
    '    journal-content: none',
    'zone:',
    ...zoneList.map((zone) => `  - domain: ${zone}`),
    '',
  ].join('\n');
  const configFile = join(dir, 'knot.conf');
  writeFileSync(configFile, config);
  for (const [zone, records] of Object.entries(zones)) {
    const lines = [
      `$ORIGIN ${zone}.`,
      '$TTL 1',
      `@ SOA ns.${zone}. hostmaster.${zone}. 1 60 60 60 1`,
      `@ NS ns.${zone}.`,
      'ns A 127.0.0.1',
      ...records.map((record) => `${record.owner} ${record.type} ${record.data}`),
      '',
    ];
    writeFileSync(join(dir, 'zones', `${zone}.zone`), lines.join('\n'));
  }
  const daemon: ChildProcess = spawn(KNOTD, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  daemon.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const knotc = (...args: string[]) => {
    const result = spawnSync(KNOTC, ['-c', configFile, '-t', '5', ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`knotc ${args.join(' ')} failed: ${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  for (let i = 0; ; i++) {
    const status = spawnSync(KNOTC, ['-c', configFile, '-t', '1', 'status'], { encoding: 'utf8' });
    if (status.status === 0) break;
    if (i > 100 || daemon.exitCode !== null) throw new Error(`knotd did not start: ${log}`);
    await sleep(50);
  }
  // zones load in the background: wait until each configured (non-broken) zone is served
  for (const zone of Object.keys(zones)) {
    for (let i = 0; !/serial: 1/.test(spawnSync(KNOTC, ['-c', configFile, 'zone-status', zone], { encoding: 'utf8' }).stdout); i++) {
      if (i > 100) throw new Error(`knotd did not load ${zone}: ${log}`);
      await sleep(50);
    }
  }
  const change = (zone: string, apply: () => void) => {
    knotc('zone-begin', zone);
    try {
      apply();
      knotc('zone-commit', zone);
    } catch (error) {
      spawnSync(KNOTC, ['-c', configFile, 'zone-abort', zone]);
      throw error;
    }
  };
  return {
    address: `127.0.0.1:${port}`,
    port,
    set: (zone, record) => change(zone, () => knotc('zone-set', zone, record.owner, '1', record.type, ...record.data.split(' '))),
    unset: (zone, owner, type) => change(zone, () => knotc('zone-unset', zone, owner, ...(type ? [type] : []))),
    async stop() {
      spawnSync(KNOTC, ['-c', configFile, 'stop']);
      await new Promise<void>((resolve) => {
        if (daemon.exitCode !== null) return resolve();
        const timer = setTimeout(() => (daemon.kill('SIGKILL'), resolve()), 5_000);
        daemon.once('exit', () => (clearTimeout(timer), resolve()));
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
