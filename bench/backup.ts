/**
 * npm run bench:backup
 *
 * About 1 GB of mixed files (many small texts, MB-sized random files; generated
 * deterministically inside a helper container) in a tenant volume, backed up to a local
 * directory site through Allmende's backup engine, and by hand with a plain `docker run` of
 * the same image with the same mounts, in the same run:
 *   - first backup: MB/s, engine / by hand (goal >= 0.9)
 *   - a second backup with nothing changed: its time / the first's (goal < 10 %)
 *   - restore into a fresh volume: MB/s, engine / by hand (goal >= 0.9)
 *   - peak RSS of this Node process throughout (goal < 300 MB)
 * BENCH_RUNS (default 3) repeats each measurement with fresh repositories, alternating which
 * goes first (the machine is shared); medians are shown.
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { parseBackupSite, ResticBackupEngine, type TenantRepository } from '#backup';
import { LABELS } from '#runtime';
import { DockerodeRuntime } from '#runtime/docker';

const run = promisify(execFile);
const DOCKER_HOST = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IMAGE = 'allmende/restic:0.18';
const ID = randomBytes(3).toString('hex');
const BENCH_LABEL = `allmende.bench=backup-${ID}`;
// (not "alm-bench-...": bench:provision removes every volume whose name contains that)
const TENANT = `bkbench-${ID}`;
const APP = 'bench';
const PASSWORD = randomBytes(24).toString('base64url');
/** Small text files (about 4 KiB each) and 8 MiB random files: about 1 GB in all. */
const TEXT_FILES = 24_000;
const RANDOM_FILES = 110;

const docker = (args: string[], env: Record<string, string> = {}) =>
  run('docker', ['-H', DOCKER_HOST, ...args], { maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH, ...env } });

// Deterministic: text from the file number, random data from AES-CTR keyed by the file number.
const GENERATE = `set -eu
block="$(printf 'Minutes of the club meeting, line %s: the garden rota, the bike repair day and the summer party.\\n' $(seq 1 40))"
for ((i = 0; i < ${TEXT_FILES}; i++)); do
  dir="/d/text/$((i % 200))"
  [[ -d "$dir" ]] || mkdir -p "$dir"
  printf 'note %d\\n%s\\n' "$i" "$block" > "$dir/note-$i.txt"
done
mkdir -p /d/media
# (no pipefail: openssl ends on SIGPIPE once head has enough)
for ((i = 0; i < ${RANDOM_FILES}; i++)); do
  key="$(printf '%032x' "$i")"
  openssl enc -aes-128-ctr -nosalt -K "$key" -iv 0 -in /dev/zero 2>/dev/null | head -c 8388608 > "/d/media/file-$i.bin"
done
chown -R 33:33 /d
du -sb /d | cut -f1`;

interface Sample {
  engineFirst: number;
  handFirst: number;
  engineSecond: number;
  handSecond: number;
  engineRestore: number;
  handRestore: number;
  bytes: number;
  secondBytesAdded: number;
  /** restic's own time in the unchanged backup (its summary), without container start and key derivation */
  secondResticMs: number;
}

async function main(): Promise<void> {
  const runtime = new DockerodeRuntime();
  const backups = new ResticBackupEngine(runtime);
  const engine = { name: 'bench', endpoint: DOCKER_HOST };
  const workDir = mkdtempSync('/var/tmp/allmende-bench-backup-');
  chmodSync(workDir, 0o755);
  const volume = `alm-${TENANT}-data`;
  const labels = ['--label', BENCH_LABEL, '--label', `${LABELS.managed}=true`, '--label', `${LABELS.tenant}=${TENANT}`];
  try {
    await docker(['volume', 'create', ...labels, volume]);
    const started = performance.now();
    const { stdout } = await docker(['run', '--rm', '--label', BENCH_LABEL, '--network', 'none', '--mount', `type=volume,source=${volume},target=/d`, '--entrypoint', 'bash', IMAGE, '-c', GENERATE]);
    const bytes = Number(stdout.trim());
    console.log(`generated ${(bytes / 1e6).toFixed(0)} MB in ${TEXT_FILES + RANDOM_FILES} files (${((performance.now() - started) / 1000).toFixed(1)} s)`);

    const samples: Sample[] = [];
    for (let i = 0; i < RUNS; i++) samples.push(await measure(backups, engine, workDir, volume, labels, bytes, i));
    report(samples, process.resourceUsage().maxRSS * 1024);
  } finally {
    const { stdout } = await docker(['ps', '-aq', '--filter', `label=${BENCH_LABEL}`]);
    const ids = stdout.trim().split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]);
    const volumes = (await docker(['volume', 'ls', '-q', '--filter', `label=${BENCH_LABEL}`])).stdout.trim().split('\n').filter(Boolean);
    if (volumes.length) await docker(['volume', 'rm', ...volumes]);
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function measure(backups: ResticBackupEngine, engine: { name: string; endpoint: string }, workDir: string, volume: string, labels: string[], bytes: number, round: number): Promise<Sample> {
  const engineSite = join(workDir, `engine-${round}`);
  const handRepo = join(workDir, `hand-${round}`, 'repository');
  mkdirSync(engineSite, { recursive: true });
  mkdirSync(handRepo, { recursive: true });
  const repository: TenantRepository = { site: parseBackupSite({ kind: 'local', name: 'local', path: engineSite }), tenant: { id: TENANT }, password: PASSWORD };
  const volumes = [{ name: volume, mountAs: 'data' }];

  // restic by hand: the same image and mounts, plain restic (no --json: a person reads the summary); the password from this process' env, never argv
  const byHand = (args: string[], mounts: string[]) =>
    docker(
      ['run', '--rm', '--label', BENCH_LABEL, '--network', 'none', '-e', 'RESTIC_PASSWORD', ...mounts, '--mount', `type=bind,source=${handRepo},target=/repository`, '--entrypoint', 'restic', IMAGE, '--repo=/repository', ...args],
      { RESTIC_PASSWORD: PASSWORD },
    );
  const source = ['--mount', `type=volume,source=${volume},target=/backup/${APP}/data,readonly`];
  const timed = async (work: () => Promise<unknown>) => {
    await settle();
    const start = performance.now();
    await work();
    return performance.now() - start;
  };

  await backups.ensureRepository(engine, repository);
  await byHand(['init'], []);
  // both start from a warm page cache
  await docker(['run', '--rm', '--label', BENCH_LABEL, '--network', 'none', ...source, '--entrypoint', 'bash', IMAGE, '-c', `find /backup/${APP}/data -type f -exec cat {} + > /dev/null`]);

  // the machine is shared: who goes first alternates between rounds
  const engineFirstInRound = round % 2 === 1;
  const handBackup = () => byHand(['backup', '--host=allmende', `--tag=tenant=${TENANT},app=${APP},kind=manual`, '--', `/backup/${APP}/data`], source);
  let secondBytesAdded = 0;
  let secondResticMs = 0;
  const engineBackups = async () => {
    let previousBytes = 0;
    const first = await timed(async () => {
      previousBytes = (await backups.backup(engine, repository, { app: APP, kind: 'manual', volumes })).totalBytes;
    });
    const second = await timed(async () => {
      // as a scheduler would: it recorded the previous snapshot's size, so restic skips its pre-scan
      const result = await backups.backup(engine, repository, { app: APP, kind: 'manual', volumes, expectedBytes: previousBytes });
      secondBytesAdded = result.bytesAdded;
      secondResticMs = result.resticDurationMs;
    });
    return [first, second];
  };
  const handBackups = async () => [await timed(handBackup), await timed(handBackup)];
  let engineFirst: number, engineSecond: number, handFirst: number, handSecond: number;
  if (engineFirstInRound) {
    [engineFirst, engineSecond] = await engineBackups();
    [handFirst, handSecond] = await handBackups();
  } else {
    [handFirst, handSecond] = await handBackups();
    [engineFirst, engineSecond] = await engineBackups();
  }

  const [snapshot] = await backups.snapshots(engine, repository);
  const engineTarget = `alm-${TENANT}-restore-engine-${round}`;
  const handTarget = `alm-${TENANT}-restore-hand-${round}`;
  await docker(['volume', 'create', ...labels, engineTarget]);
  await docker(['volume', 'create', ...labels, handTarget]);
  const handRestoreRun = () =>
    timed(() => byHand(['restore', '--target=/restore/data', '--delete', `latest:/backup/${APP}/data`], ['--mount', `type=volume,source=${handTarget},target=/restore/data`]));
  const engineRestoreRun = () => timed(() => backups.restore(engine, repository, { snapshotId: snapshot.id, app: APP, into: [{ mountAs: 'data', volume: engineTarget }] }));
  let engineRestore: number, handRestore: number;
  if (engineFirstInRound) {
    engineRestore = await engineRestoreRun();
    handRestore = await handRestoreRun();
  } else {
    handRestore = await handRestoreRun();
    engineRestore = await engineRestoreRun();
  }
  await docker(['volume', 'rm', engineTarget, handTarget]);
  rmSync(engineSite, { recursive: true, force: true });
  rmSync(join(workDir, `hand-${round}`), { recursive: true, force: true });
  const sample = { engineFirst, handFirst, engineSecond, handSecond, engineRestore, handRestore, bytes, secondBytesAdded, secondResticMs };
  console.log(`round ${round + 1}: ${Object.entries(sample).map(([k, v]) => `${k}=${k.includes('ytes') ? v : `${(v / 1000).toFixed(2)}s`}`).join(' ')}`);
  return sample;
}

/** Lets the previous step's writes reach the disk, so they do not slow down the next measurement. */
async function settle(): Promise<void> {
  await run('sync');
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function report(samples: Sample[], peakRss: number): void {
  const m = (key: keyof Sample) => median(samples.map((s) => s[key]));
  const bytes = samples[0].bytes;
  const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);
  const line = (name: string, engine: string, hand: string, ratio: number, goal: string, met: boolean) =>
    console.log(`${name.padEnd(30)} ${engine.padStart(12)} ${hand.padStart(12)} ${ratio.toFixed(2).padStart(7)}   ${goal} ${met ? 'met' : 'MISSED'}`);
  console.log(`\nbench:backup — ${(bytes / 1e6).toFixed(0)} MB of mixed files, local directory site, medians of ${samples.length} run(s)`);
  console.log(`${''.padEnd(30)} ${'engine'.padStart(12)} ${'by hand'.padStart(12)} ${'ratio'.padStart(7)}   goal`);
  const first = mbps(m('engineFirst')) / mbps(m('handFirst'));
  line('first backup (MB/s)', mbps(m('engineFirst')).toFixed(1), mbps(m('handFirst')).toFixed(1), first, '>= 0.90', first >= 0.9);
  const second = m('engineSecond') / m('engineFirst');
  line('unchanged 2nd backup (s)', (m('engineSecond') / 1000).toFixed(2), (m('handSecond') / 1000).toFixed(2), second, '< 0.10 of first', second < 0.1);
  const restore = mbps(m('engineRestore')) / mbps(m('handRestore'));
  line('restore (MB/s)', mbps(m('engineRestore')).toFixed(1), mbps(m('handRestore')).toFixed(1), restore, '>= 0.90', restore >= 0.9);
  const mb = peakRss / 1024 / 1024;
  console.log(`peak RSS of this Node process: ${mb.toFixed(0)} MB   goal < 300 MB ${mb < 300 ? 'met' : 'MISSED'}`);
  console.log(`unchanged 2nd backup added ${median(samples.map((s) => s.secondBytesAdded))} bytes; restic's own time in it ${(m('secondResticMs') / 1000).toFixed(2)} s of ${(m('engineSecond') / 1000).toFixed(2)} s`);
}

await main();
