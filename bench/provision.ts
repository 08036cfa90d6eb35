/**
 * npm run bench:provision
 *
 * Provisions Prosody tenants through Allmende (API + a separate worker process) and
 * creates the very same containers with the raw docker CLI, in the same run. For each,
 * the time from the start until port 5222 answers an XMPP stream, one at a time and ten
 * at once; then the ratio Allmende / docker CLI and the worker's peak resident memory.
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { generateSecrets, renderDeploymentPlan, TemplateCatalog } from '#catalog';
import type { DeploymentPlan } from '#runtime';
import { dockerRunArgs, median, xmppStreamAnswers } from './support/docker-run.js';
import { startBenchControlPlane, type BenchControlPlane } from './support/control-plane.js';

const run = promisify(execFile);
const DOCKER_HOST = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
const SEQUENTIAL_RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PARALLEL = 10;
const RUN = randomBytes(4).toString('hex');
const BENCH_LABEL = `allmende.bench=${RUN}`;
/** Every tenant of this run is named bench-<run>-..., so its Docker objects start with this. */
const OWN_PREFIX = `alm-bench-${RUN}-`;

const docker = (...args: string[]) => run('docker', ['-H', DOCKER_HOST, ...args], { maxBuffer: 16 * 1024 * 1024 });

async function main(): Promise<void> {
  const plane = await startBenchControlPlane({
    ALLMENDE_DOCKER_HOSTS: `local=${DOCKER_HOST}`,
    ALLMENDE_BASE_DOMAIN: 'bench.example',
    // the bench removes its tenants' containers behind Allmende's back; the reconcile loop must not bring them back
    ALLMENDE_RECONCILE_INTERVAL_SECONDS: '86400',
  });
  const { api, worker } = plane;

  try {
    const organization = await plane.call('POST', '/api/v1/organizations', { name: 'Bench Club', contactEmail: 'board@bench.example', owner: { email: 'chair@bench.example' } });
    const organizationId = organization.organization.id as string;
    const catalog = api.get(TemplateCatalog);

    let counter = 0;
    const viaAllmende = async (): Promise<number> => {
      const subdomain = `bench-${RUN}-a${++counter}`;
      const started = performance.now();
      const created = await plane.call('POST', '/api/v1/tenants', { organizationId, planCode: 'chat', subdomain });
      await xmppAnswers(`allmende.tenant=${created.tenant.id}`);
      return performance.now() - started;
    };
    const viaDockerCli = async (): Promise<number> => {
      const slug = `bench-${RUN}-d${++counter}`;
      const plan = renderPlanFor(catalog, slug);
      const started = performance.now();
      await Promise.all([createWithCli(plan), xmppAnswers(`allmende.tenant=${plan.tenant.id}`)]);
      return performance.now() - started;
    };

    // warm-up: first starts pay for page cache and image layers
    await viaAllmende();
    await viaDockerCli();
    await cleanUp();

    const sequential = { allmende: [] as number[], cli: [] as number[] };
    for (let i = 0; i < SEQUENTIAL_RUNS; i++) {
      sequential.allmende.push(await viaAllmende());
      sequential.cli.push(await viaDockerCli());
    }
    await cleanUp();
    const parallelAllmende = await Promise.all(Array.from({ length: PARALLEL }, viaAllmende));
    await waitForOperationsToFinish(plane, organizationId);
    await cleanUp();
    const parallelCli = await Promise.all(Array.from({ length: PARALLEL }, viaDockerCli));
    await cleanUp();

    const peakRss = peakRssOf(worker.pid!);
    report(sequential.allmende, sequential.cli, parallelAllmende, parallelCli, peakRss);
  } finally {
    await cleanUp().catch(() => undefined);
    await plane.close();
  }
}

/** The plan Allmende would render for a Chat tenant, so the CLI baseline creates identical containers. */
function renderPlanFor(catalog: TemplateCatalog, slug: string): DeploymentPlan {
  const manifest = catalog.get('prosody');
  return renderDeploymentPlan({
    manifest,
    tenant: { id: crypto.randomUUID(), slug },
    version: manifest.defaultVersion,
    domains: { primary: `${slug}.bench.example` },
    secrets: generateSecrets(manifest, manifest.defaultVersion),
    admin: { email: 'board@bench.example' },
    clubName: 'Bench Club',
  });
}

/** The same network, volume and container, with the docker CLI (argv, no shell). */
async function createWithCli(plan: DeploymentPlan): Promise<void> {
  const labels = (values: Record<string, string>) => Object.entries({ ...values, 'allmende.bench': BENCH_LABEL.split('=')[1] }).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  await docker('network', 'create', ...labels(plan.network.labels), plan.network.name);
  for (const volume of plan.volumes) await docker('volume', 'create', ...labels(volume.labels), volume.name);
  for (const c of plan.containers) {
    const publish = c.ports.filter((p) => p.publish).map((p) => `127.0.0.1::${p.container}/${p.protocol}`);
    const args = dockerRunArgs(plan, c, { labels: labels(c.labels), publish, healthcheck: true });
    await docker(...args);
  }
}

/** Finds the container by label, its published 5222, and waits until it answers an XMPP stream header. */
async function xmppAnswers(label: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let port: number | undefined;
  while (Date.now() < deadline) {
    if (!port) {
      const { stdout } = await docker('ps', '-q', '--filter', `label=${label}`);
      const id = stdout.trim().split('\n')[0];
      if (id) {
        const mapped = await docker('port', id, '5222/tcp').catch(() => ({ stdout: '' }));
        const match = /:(\d+)\s*$/m.exec(mapped.stdout);
        if (match) port = Number(match[1]);
      }
    }
    if (port && (await xmppStreamAnswers(port))) return;
    await sleep(50);
  }
  throw new Error(`no XMPP answer for ${label}`);
}


async function waitForOperationsToFinish(plane: BenchControlPlane, organizationId: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const tenants = (await plane.call('GET', `/api/v1/organizations/${organizationId}/tenants`)) as { state: string }[];
    if (tenants.every((tenant) => tenant.state === 'active' || tenant.state === 'failed')) return;
    await sleep(200);
  }
}

/**
 * Removes what this run created, and nothing else: the engine is shared, and other people's
 * benches and tests name their tenants alm-bench-* too. This run's names all start with
 * alm-bench-<run>-.
 */
async function cleanUp(): Promise<void> {
  const own = (names: string) => names.trim().split('\n').filter((name) => name.startsWith(OWN_PREFIX));
  const containers = own((await docker('ps', '-a', '--format', '{{.Names}}', '--filter', `name=${OWN_PREFIX}`, '--filter', 'label=allmende.tenant-slug')).stdout);
  if (containers.length) await docker('rm', '-f', '-v', ...containers);
  const volumes = own((await docker('volume', 'ls', '--format', '{{.Name}}', '--filter', `name=${OWN_PREFIX}`)).stdout);
  if (volumes.length) await docker('volume', 'rm', ...volumes);
  const networks = own((await docker('network', 'ls', '--format', '{{.Name}}', '--filter', `name=${OWN_PREFIX}`)).stdout);
  if (networks.length) await docker('network', 'rm', ...networks);
}

function peakRssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}


function report(allmende: number[], cli: number[], parallelAllmende: number[], parallelCli: number[], peakRss: number): void {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rows = [
    ['one at a time', `n=${allmende.length}`, median(allmende), median(cli), 1.25],
    [`${PARALLEL} at once`, `n=${parallelAllmende.length}`, median(parallelAllmende), median(parallelCli), 1.5],
  ] as const;
  console.log('\nbench:provision — Prosody tenants, start until port 5222 answers an XMPP stream (medians)');
  console.log('                          Allmende   docker CLI   ratio   goal');
  for (const [name, n, a, c, goal] of rows) {
    const ratio = a / c;
    console.log(`${`${name} (${n})`.padEnd(24)} ${s(a).padStart(9)}   ${s(c).padStart(9)}   ${ratio.toFixed(2).padStart(5)}   <= ${goal} ${ratio <= goal ? 'met' : 'MISSED'}`);
  }
  const mb = peakRss / 1024 / 1024;
  console.log(`worker peak RSS (VmHWM): ${mb.toFixed(0)} MB   goal < 250 MB ${mb < 250 ? 'met' : 'MISSED'}`);
  console.log(`raw samples (s): allmende ${allmende.map((v) => (v / 1000).toFixed(2)).join(' ')} | cli ${cli.map((v) => (v / 1000).toFixed(2)).join(' ')}`);
  console.log(`                 10 at once allmende ${parallelAllmende.map((v) => (v / 1000).toFixed(2)).join(' ')} | cli ${parallelCli.map((v) => (v / 1000).toFixed(2)).join(' ')}`);
}

await main();
