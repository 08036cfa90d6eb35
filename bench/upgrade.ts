/**
 * npm run bench:upgrade
 *
 * Twenty Prosody tenants upgraded from 0.12 (bookworm) to 13.0 (trixie) through Allmende (API +
 * a worker process: pre-upgrade backup, new container, health gate with an XMPP login) and, in
 * the same run, twenty identical containers upgraded by a hand-written docker CLI script
 * (stop, remove, run with the new image; no backup, no check), ten at a time like the worker.
 * Prints tenants per minute for both and the ratio, and each tenant's downtime: how long its
 * XMPP port did not answer a stream header (median and max). Before the timed part each Allmende
 * tenant gets one backup, as the nightly schedule gives every running tenant: the pre-upgrade
 * backup then adds to an existing repository, as it does in a cooperative.
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { generateSecrets, renderDeploymentPlan, TemplateCatalog } from '#catalog';
import type { DeploymentPlan, PlannedContainer } from '#runtime';
import { dockerRunArgs, median, xmppStreamAnswers } from './support/docker-run.js';
import { startBenchControlPlane, type BenchControlPlane } from './support/control-plane.js';

const run = promisify(execFile);
const DOCKER_HOST = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
const TENANTS = Number(process.env.BENCH_TENANTS ?? 20);
/** Upgrades at a time on both sides (the worker's ALLMENDE_WORKER_CONCURRENCY, the script's parallel runs). */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const RUN = randomBytes(4).toString('hex');
/** Every object of this run is named alm-bench-<run>-...: the cleanup removes those only. */
const OWN_PREFIX = `alm-bench-${RUN}-`;
const FROM = '0.12';
const TO = '13.0';

const docker = (...args: string[]) => run('docker', ['-H', DOCKER_HOST, ...args], { maxBuffer: 16 * 1024 * 1024 });

interface Watched {
  port: number;
  /** Longest time (ms) the port did not answer while watched. */
  longestGapMs: number;
}

async function main(): Promise<void> {
  const plane = await startBenchControlPlane({
    ALLMENDE_DOCKER_HOSTS: `local=${DOCKER_HOST}`,
    ALLMENDE_BASE_DOMAIN: 'bench.example',
    ALLMENDE_WORKER_CONCURRENCY: String(CONCURRENCY),
    ALLMENDE_RECONCILE_INTERVAL_SECONDS: '86400',
  });
  try {
    const organization = await plane.call('POST', '/api/v1/organizations', { name: 'Bench Club', contactEmail: 'board@bench.example', owner: { email: 'chair@bench.example' } });
    const organizationId = organization.organization.id as string;
    const catalog = plane.api.get(TemplateCatalog);

    // Allmende's twenty, provisioned at 0.12 (not timed)
    const tenantIds: string[] = [];
    for (let index = 0; index < TENANTS; index++) {
      const created = await plane.call('POST', '/api/v1/tenants', { organizationId, planCode: 'chat', subdomain: `bench-${RUN}-a${index}`, versions: { prosody: FROM } });
      tenantIds.push(created.tenant.id);
    }
    await waitForTenants(plane, organizationId);
    const allmendePorts = await Promise.all(tenantIds.map((id) => clientPortOf(plane, id)));
    // as the nightly schedule would have: each tenant has its backup repository and a first snapshot
    const firstBackups = await Promise.all(tenantIds.map((id) => plane.call('POST', `/api/v1/tenants/${id}/backups`)));
    for (const outcome of await Promise.all(firstBackups.map((operation) => waitForOperation(plane, operation.id)))) {
      if (outcome.state !== 'succeeded') throw new Error(`a first backup failed: ${outcome.error}`);
    }

    // the script's twenty, the same containers at 0.12 with fixed host ports
    const plans = Array.from({ length: TENANTS }, (_, index) => renderPlanFor(catalog, `bench-${RUN}-d${index}`, FROM));
    const cliPorts: number[] = [];
    for (const plan of plans) {
      const port = await freePort();
      cliPorts.push(port);
      await createWithCli(plan, port);
    }
    await Promise.all(cliPorts.map((port) => untilAnswers(port)));

    // Allmende: every tenant's upgrade requested at once; the worker runs ten at a time
    const allmendeWatch = watch(allmendePorts);
    const allmendeStarted = performance.now();
    const operations = await Promise.all(tenantIds.map((id) => plane.call('POST', `/api/v1/tenants/${id}/upgrades`, { app: 'prosody', to: TO })));
    const outcomes = await Promise.all(operations.map((operation) => waitForOperation(plane, operation.id)));
    const allmendeMs = performance.now() - allmendeStarted;
    const allmendeGaps = await allmendeWatch.stop();
    const failed = outcomes.filter((outcome) => outcome.state !== 'succeeded');
    if (failed.length) throw new Error(`${failed.length} Allmende upgrade(s) failed: ${failed.map((outcome) => outcome.error).join('; ')}`);

    // the script: stop, remove, run the new image; ten at a time; done when the port answers
    const upgraded = renderPlanFor(catalog, 'unused', TO).containers[0].image;
    const cliWatch = watch(cliPorts);
    const cliStarted = performance.now();
    await inParallel(plans.map((plan, index) => async () => {
      const container = plan.containers[0];
      await docker('stop', container.name);
      await docker('rm', container.name);
      await docker(...runArgs(plan, { ...container, image: upgraded }, cliPorts[index]));
      await untilAnswers(cliPorts[index]);
    }), CONCURRENCY);
    const cliMs = performance.now() - cliStarted;
    const cliGaps = await cliWatch.stop();

    report(allmendeMs, cliMs, allmendeGaps, cliGaps, outcomes);
    reportSteps(outcomes);
  } finally {
    await cleanUp().catch((error: unknown) => console.error(`cleanup: ${(error as Error).message}`));
    await plane.close();
  }
}

/** The plan Allmende renders for a Chat tenant at this version, so the script makes identical containers. */
function renderPlanFor(catalog: TemplateCatalog, slug: string, version: string): DeploymentPlan {
  const manifest = catalog.get('prosody');
  return renderDeploymentPlan({
    manifest,
    tenant: { id: crypto.randomUUID(), slug },
    version,
    domains: { primary: `${slug}.bench.example` },
    secrets: generateSecrets(manifest, version),
    admin: { email: 'board@bench.example' },
    clubName: 'Bench Club',
  });
}

async function createWithCli(plan: DeploymentPlan, port: number): Promise<void> {
  await docker('network', 'create', ...labels(plan.network.labels), plan.network.name);
  for (const volume of plan.volumes) await docker('volume', 'create', ...labels(volume.labels), volume.name);
  await docker(...runArgs(plan, plan.containers[0], port));
}

const labels = (values: Record<string, string>) => Object.entries({ ...values, 'allmende.bench': RUN }).flatMap(([k, v]) => ['--label', `${k}=${v}`]);

/** `docker run` for the container, its client port fixed on the host. */
const runArgs = (plan: DeploymentPlan, c: PlannedContainer, port: number) => dockerRunArgs(plan, c, { labels: labels(c.labels), publish: [`127.0.0.1:${port}:5222/tcp`], healthcheck: false });

/** Polls each port every 250 ms and keeps the longest stretch it did not answer. */
function watch(ports: number[]): { stop(): Promise<Watched[]> } {
  const watched = ports.map((port) => ({ port, longestGapMs: 0 }));
  let running = true;
  const loops = watched.map(async (entry) => {
    let downSince: number | null = null;
    while (running) {
      const now = performance.now();
      if (await xmppStreamAnswers(entry.port)) {
        if (downSince !== null) entry.longestGapMs = Math.max(entry.longestGapMs, now - downSince);
        downSince = null;
      } else if (downSince === null) {
        downSince = now;
      }
      await sleep(250);
    }
    if (downSince !== null) entry.longestGapMs = Math.max(entry.longestGapMs, performance.now() - downSince);
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return watched;
    },
  };
}


async function untilAnswers(port: number, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await xmppStreamAnswers(port)) return;
    await sleep(100);
  }
  throw new Error(`port ${port} never answered`);
}

async function clientPortOf(plane: BenchControlPlane, tenantId: string): Promise<number> {
  const tenant = await plane.call('GET', `/api/v1/tenants/${tenantId}`);
  const endpoint = tenant.services[0].endpoints.find((candidate: { containerPort: number }) => candidate.containerPort === 5222);
  return endpoint.hostPort as number;
}

async function waitForTenants(plane: BenchControlPlane, organizationId: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    const tenants = (await plane.call('GET', `/api/v1/organizations/${organizationId}/tenants`)) as { state: string; slug: string }[];
    if (tenants.every((tenant) => tenant.state === 'active')) return;
    if (tenants.some((tenant) => tenant.state === 'failed')) throw new Error(`provisioning failed: ${tenants.filter((tenant) => tenant.state === 'failed').map((tenant) => tenant.slug).join(', ')}`);
    await sleep(200);
  }
  throw new Error('the tenants did not become active');
}

type Finished = { state: string; error: string | null; steps?: { name: string; startedAt?: string; finishedAt?: string }[] };

async function waitForOperation(plane: BenchControlPlane, id: string): Promise<Finished> {
  for (;;) {
    const operation = await plane.call('GET', `/api/v1/operations/${id}`);
    if (operation.state === 'succeeded' || operation.state === 'failed') return operation;
    await sleep(250);
  }
}

async function inParallel(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < tasks.length) await tasks[next++]();
  }));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Removes what this run created, and nothing else (the engine is shared). */
async function cleanUp(): Promise<void> {
  const own = (names: string) => names.trim().split('\n').filter((name) => name.startsWith(OWN_PREFIX));
  const containers = own((await docker('ps', '-a', '--format', '{{.Names}}', '--filter', `name=${OWN_PREFIX}`)).stdout);
  if (containers.length) await docker('rm', '-f', '-v', ...containers);
  const volumes = own((await docker('volume', 'ls', '--format', '{{.Name}}', '--filter', `name=${OWN_PREFIX}`)).stdout);
  if (volumes.length) await docker('volume', 'rm', ...volumes);
  const networks = own((await docker('network', 'ls', '--format', '{{.Name}}', '--filter', `name=${OWN_PREFIX}`)).stdout);
  for (const network of networks) {
    // the edge joined the tenants' networks: it leaves them first
    const attached = (await docker('network', 'inspect', '--format', '{{range .Containers}}{{.Name}} {{end}}', network)).stdout.trim().split(/\s+/).filter(Boolean);
    for (const container of attached) await docker('network', 'disconnect', '--force', network, container);
  }
  if (networks.length) await docker('network', 'rm', ...networks);
}


/** Where an upgrade's time goes: the median of each step over the twenty. */
function reportSteps(outcomes: Finished[]): void {
  const names = outcomes[0]?.steps?.map((step) => step.name) ?? [];
  const medians = names.map((name) => {
    const durations = outcomes.flatMap((outcome) => {
      const step = outcome.steps?.find((candidate) => candidate.name === name);
      return step?.startedAt && step.finishedAt ? [Date.parse(step.finishedAt) - Date.parse(step.startedAt)] : [];
    });
    return `${name} ${durations.length ? (median(durations) / 1000).toFixed(1) : '-'} s`;
  });
  console.log(`Allmende step medians: ${medians.join(', ')}`);
}

function report(allmendeMs: number, cliMs: number, allmendeGaps: Watched[], cliGaps: Watched[], outcomes: { state: string }[]): void {
  const perMinute = (ms: number) => (TENANTS / ms) * 60_000;
  const ratio = perMinute(allmendeMs) / perMinute(cliMs);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const gaps = (watched: Watched[]) => watched.map((entry) => entry.longestGapMs);
  const allmendeMedian = median(gaps(allmendeGaps));
  console.log(`\nbench:upgrade — ${TENANTS} Prosody tenants ${FROM} -> ${TO}, ${CONCURRENCY} at a time (${outcomes.length} Allmende upgrades succeeded)`);
  console.log('                           Allmende (backup, health gate)   docker CLI script (stop/rm/run)');
  console.log(`total time                 ${s(allmendeMs).padStart(12)}                     ${s(cliMs).padStart(12)}`);
  console.log(`tenants per minute         ${perMinute(allmendeMs).toFixed(1).padStart(12)}                     ${perMinute(cliMs).toFixed(1).padStart(12)}`);
  console.log(`downtime median            ${s(allmendeMedian).padStart(12)}                     ${s(median(gaps(cliGaps))).padStart(12)}`);
  console.log(`downtime max               ${s(Math.max(...gaps(allmendeGaps))).padStart(12)}                     ${s(Math.max(...gaps(cliGaps))).padStart(12)}`);
  console.log(`throughput ratio Allmende / script: ${ratio.toFixed(2)}   goal >= 0.6 ${ratio >= 0.6 ? 'met' : 'MISSED'}`);
  console.log(`Allmende downtime median ${s(allmendeMedian)}   goal <= 10 s ${allmendeMedian <= 10_000 ? 'met' : 'MISSED'}`);
  console.log(`raw downtimes (s): allmende ${gaps(allmendeGaps).map((ms) => (ms / 1000).toFixed(1)).join(' ')} | script ${gaps(cliGaps).map((ms) => (ms / 1000).toFixed(1)).join(' ')}`);
}

await main();
