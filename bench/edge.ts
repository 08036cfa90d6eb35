/**
 * npm run bench:edge
 *
 * (a) A small page through the edge proxy (HTTPS, verified against the edge's CA, one
 *     keep-alive connection) against the same busybox container reached directly on a port
 *     published for this baseline only (HTTP): p50/p99 latency and requests per second, one at
 *     a time and 8 at once, measured in alternating rounds; goal: p50 ratio <= 1.2.
 * (b) Time to apply one route change (applySite of one tenant) with 10, 100 and 1,000 sites
 *     configured, and one reconcile (read, diff, apply) at each size; goal: 1,000 within 2x of 10.
 */
import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { CaddyEdgeProxy, EDGE_ROLE, type EdgeHostSettings, type EdgeSite } from '#edge';
import { freePort } from '#platform';
import type { DeploymentPlan, EngineEndpoint } from '#runtime';
import { DockerodeRuntime } from '#runtime/docker';

const DOCKER_HOST = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
const engine: EngineEndpoint = { name: 'bench', endpoint: DOCKER_HOST };
const RUN = randomBytes(3).toString('hex');
const labels = { 'allmende.bench': RUN };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const PER_ROUND = Number(process.env.BENCH_REQUESTS ?? 200);
const CONCURRENCY = 8;
const SIZES = [10, 100, 1000];
const CHANGES_PER_SIZE = Number(process.env.BENCH_CHANGES ?? 9);

const runtime = new DockerodeRuntime({ stopTimeoutSeconds: 2, pollIntervalMs: 200 });
const edgeName = `alm-edge-bench-${RUN}`;
const edge = new CaddyEdgeProxy(runtime, { issuer: { kind: 'internal' }, name: edgeName, labels, fullLoadAbove: 10 });
const tenant = { id: `bench-${RUN}`, slug: `bench${RUN}` };
const hostName = `club-${RUN}.bench.example`;

async function main(): Promise<void> {
  const plan = upstreamPlan();
  const host: EdgeHostSettings = { publishIp: '127.0.0.1', httpPort: await freePort(), httpsPort: await freePort() };
  try {
    const applied = await runtime.apply(engine, plan);
    const directPort = applied.ports[0].hostPort;
    await edge.ensureEdge(engine, host);
    await edge.reconcile(engine, host, [site(0)]);
    const ca = await edge.rootCertificate(engine);

    const latency = await measureLatency(host.httpsPort, directPort, ca);
    const apply = await measureApply(host);
    report(latency, apply);
  } finally {
    await runtime.removeSystemContainer(engine, { role: EDGE_ROLE, name: edgeName }, { volumes: true, network: true }).catch(() => undefined);
    await runtime.remove(engine, tenant.id, { volumes: true }).catch(() => undefined);
  }
}

/** One busybox httpd serving a small page; its port is published only for the baseline. */
function upstreamPlan(): DeploymentPlan {
  const body: Omit<DeploymentPlan, 'hash'> = {
    tenant,
    app: 'site',
    version: '1',
    network: { name: `alm-${tenant.slug}`, labels },
    volumes: [],
    containers: [
      {
        service: 'web',
        name: `alm-${tenant.slug}-site-web`,
        image: 'allmende/busybox:1',
        command: ['sh', '-c', 'mkdir -p /tmp/www && head -c 1024 /dev/zero | tr "\\0" "a" > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www'],
        env: {},
        labels,
        mounts: [],
        ports: [{ container: 8080, protocol: 'tcp', publish: true }],
        resources: { memoryBytes: 64 * 1024 * 1024, nanoCpus: 1_000_000_000, pidsLimit: 64 },
        // no capabilities; the root stays writable for the httpd's /tmp/www
        capabilities: [],
        readOnlyRootFilesystem: false,
        tmpfs: [],
        restartPolicy: 'unless-stopped',
        oneShot: false,
        dependsOn: [],
      },
    ],
    hooks: { firstStart: [], backup: [], upgrade: [] },
  };
  return { ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
}

/** Site 0 is the real tenant (owns the network); the others only fill the config (same upstream, network already joined). */
function site(index: number, variant = 0): EdgeSite {
  const name = index === 0 ? hostName : `filler-${index}-${RUN}.bench.example`;
  return {
    tenantId: index === 0 ? tenant.id : `${tenant.id}-${index}`,
    state: 'serving',
    network: `alm-${tenant.slug}`,
    hosts: [
      {
        name,
        certificate: true,
        routes: [
          { kind: 'proxy', upstream: { container: `alm-${tenant.slug}-site-web`, port: 8080 } },
          // the "route change": a path route that moves between two paths
          { kind: 'proxy', paths: [variant % 2 ? '/http-bind*' : '/xmpp-websocket*'], upstream: { container: `alm-${tenant.slug}-site-web`, port: 8080 } },
        ],
      },
    ],
  };
}

// ---- (a) latency -------------------------------------------------------------------------

interface Samples {
  edge: number[];
  direct: number[];
  edgeConcurrent: number;
  directConcurrent: number;
}

async function measureLatency(httpsPort: number, directPort: number, ca: string): Promise<Samples> {
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: CONCURRENCY, ca });
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY });
  const viaEdge = () => timed(() => getHttps(httpsAgent, httpsPort));
  const direct = () => timed(() => getHttp(httpAgent, directPort));
  for (let i = 0; i < 100; i++) {
    await viaEdge();
    await direct();
  }
  const samples: Samples = { edge: [], direct: [], edgeConcurrent: 0, directConcurrent: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < PER_ROUND; i++) samples.edge.push(await viaEdge());
    for (let i = 0; i < PER_ROUND; i++) samples.direct.push(await direct());
  }
  samples.edgeConcurrent = await throughput(viaEdge, ROUNDS * PER_ROUND);
  samples.directConcurrent = await throughput(direct, ROUNDS * PER_ROUND);
  httpsAgent.destroy();
  httpAgent.destroy();
  return samples;
}

async function timed(call: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

/** Requests per second with CONCURRENCY requests in flight. */
async function throughput(call: () => Promise<number>, total: number): Promise<number> {
  let left = total;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) await call();
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

function getHttps(agent: HttpsAgent, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/', servername: hostName, headers: { Host: hostName }, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`edge answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

function getHttp(agent: HttpAgent, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`upstream answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

// ---- (b) applying a change ---------------------------------------------------------------

interface ApplyTimes {
  size: number;
  load: number;
  applySite: number[];
  reconcile: number[];
  /** CPU time Caddy itself spent per applySite (from /proc/1/stat in the edge): independent of the machine's other load. */
  caddyCpuPerChange: number;
}

/** utime + stime of Caddy (PID 1 in the edge container), in ms (clock ticks of 10 ms). */
async function caddyCpuMs(): Promise<number> {
  const stat = await runtime.execInSystemContainer(engine, { role: EDGE_ROLE, name: edgeName }, ['cat', '/proc/1/stat']);
  const fields = stat.stdout.slice(stat.stdout.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function measureApply(host: EdgeHostSettings): Promise<ApplyTimes[]> {
  const results: ApplyTimes[] = [];
  let variant = 0;
  for (const size of SIZES) {
    const sites = Array.from({ length: size }, (_, index) => site(index, variant));
    const load = await timed(async () => void (await edge.reconcile(engine, host, sites)));
    const applySite: number[] = [];
    const reconcile: number[] = [];
    let caddyCpu = 0;
    for (let i = 0; i < CHANGES_PER_SIZE; i++) {
      variant++;
      const cpuBefore = await caddyCpuMs();
      applySite.push(await timed(async () => void (await edge.applySite(engine, site(0, variant)))));
      caddyCpu += (await caddyCpuMs()) - cpuBefore;
      variant++;
      sites[0] = site(0, variant);
      reconcile.push(await timed(async () => void (await edge.reconcile(engine, host, sites))));
    }
    results.push({ size, load, applySite, reconcile, caddyCpuPerChange: caddyCpu / CHANGES_PER_SIZE });
  }
  return results;
}

// ---- report ------------------------------------------------------------------------------

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function report(latency: Samples, apply: ApplyTimes[]): void {
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const p50 = { edge: percentile(latency.edge, 50), direct: percentile(latency.direct, 50) };
  const ratio = p50.edge / p50.direct;
  console.log(`\nbench:edge (a) — 1 KiB page, ${latency.edge.length} sequential requests each, alternating rounds of ${PER_ROUND}`);
  console.log('                     p50         p99        req/s (1 at a time)   req/s (8 at once)');
  const row = (name: string, samples: number[], concurrent: number) =>
    console.log(
      `${name.padEnd(18)} ${ms(percentile(samples, 50)).padStart(9)}  ${ms(percentile(samples, 99)).padStart(10)}   ${(1000 / (samples.reduce((a, b) => a + b, 0) / samples.length)).toFixed(0).padStart(10)}            ${concurrent.toFixed(0).padStart(8)}`,
    );
  row('through the edge', latency.edge, latency.edgeConcurrent);
  row('direct', latency.direct, latency.directConcurrent);
  console.log(`p50 ratio edge / direct: ${ratio.toFixed(2)}   goal <= 1.2 ${ratio <= 1.2 ? 'met' : 'MISSED'}`);

  console.log(`\nbench:edge (b) — one route change of one tenant, medians of ${CHANGES_PER_SIZE}`);
  console.log('sites    applySite   reconcile (read+diff+apply)   full load of all sites   Caddy CPU per applySite');
  for (const entry of apply) {
    console.log(
      `${String(entry.size).padStart(5)}   ${ms(percentile(entry.applySite, 50)).padStart(10)}   ${ms(percentile(entry.reconcile, 50)).padStart(12)}` +
        `                 ${ms(entry.load).padStart(10)}              ${ms(entry.caddyCpuPerChange).padStart(10)}`,
    );
  }
  const small = apply.find((entry) => entry.size === 10)!;
  const large = apply.find((entry) => entry.size === 1000)!;
  const applyRatio = percentile(large.applySite, 50) / percentile(small.applySite, 50);
  const reconcileRatio = percentile(large.reconcile, 50) / percentile(small.reconcile, 50);
  console.log(`1,000 / 10 sites: applySite ${applyRatio.toFixed(2)}  goal <= 2 ${applyRatio <= 2 ? 'met' : 'MISSED'}; reconcile ${reconcileRatio.toFixed(2)}`);
}

await main();
