/**
 * npm run bench:edge (second part)
 *
 * (c) Time from "marked paid" (an operator records the bank transfer of an order placed on the
 *     form) to "https://<address> answers with a valid certificate" (TLS verified against the
 *     edge's CA, the app's own answer: Prosody's BOSH page for Chat, WordPress's login page for
 *     Website), through API + a separate worker process + the edge, medians of BENCH_READY_RUNS.
 *     Beside it, in the same run, the time until the provision operation's health step is done
 *     (the app answers on its network); after it come the admin account, the edge's site and the
 *     first certificate (on-demand, at the first handshake).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { OrdersService } from '#billing';
import { freePort } from '#platform';
import { dockerOptions } from '#runtime/docker';
import { startBenchControlPlane } from './support/control-plane.js';

const DOCKER_HOST = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
const RUNS = Number(process.env.BENCH_READY_RUNS ?? 3);
const RUN = randomBytes(3).toString('hex');
const BASE = 'ready.bench.localhost';
const EDGE = `alm-edge-ready-${RUN}`;
const docker = new Docker(dockerOptions(DOCKER_HOST));

interface Sample {
  plan: string;
  /** paid -> the app answers through the edge over verified HTTPS. */
  https: number;
  /** paid -> the provision operation says the app answers (its health step done). */
  healthy: number;
}

async function main(): Promise<void> {
  const httpsPort = await freePort();
  const plane = await startBenchControlPlane({
    ALLMENDE_DOCKER_HOSTS: `local=${DOCKER_HOST}`,
    ALLMENDE_BASE_DOMAIN: BASE,
    ALLMENDE_PAYMENT_PROVIDER: 'manual',
    ALLMENDE_EDGE_NAME: EDGE,
    ALLMENDE_EDGE_HTTP_PORT: String(await freePort()),
    ALLMENDE_EDGE_HTTPS_PORT: String(httpsPort),
    ALLMENDE_TENANT_PORTS: '61000-61999',
    ALLMENDE_ORDERS_PER_ADDRESS_PER_HOUR: '100000',
  });
  const { api, apiUrl } = plane;
  const tenants: string[] = [];
  try {
    const orders = api.get(OrdersService);
    let counter = 0;
    let ca = '';

    const once = async (plan: 'chat' | 'website'): Promise<Sample> => {
      const subdomain = `r${RUN}-${plan}-${++counter}`;
      const order = await orders.place({ plan, clubName: `Bench ${plan} ${counter}`, contactEmail: `board-${counter}@bench.example`, password: randomBytes(12).toString('hex'), subdomain });
      const started = performance.now();
      await plane.call('POST', `/api/v1/orders/${order.id}/payments`, { outcome: 'paid' });
      const tenantId = (await orders.details(order.id)).tenant!.id;
      tenants.push(tenantId);
      const healthy = waitFor(async () => {
        const [operation] = (await plane.call('GET', `/api/v1/tenants/${tenantId}/operations`)) as { steps: { name: string; state: string }[] }[];
        return operation?.steps.find((step) => step.name === 'health')?.state === 'done';
      }).then(() => performance.now() - started);
      const path = plan === 'chat' ? '/http-bind' : '/wp-login.php';
      const https = waitFor(async () => {
        if (!ca) ca = await rootCertificate(apiUrl).catch(() => '');
        return !!ca && (await answers(httpsPort, `${subdomain}.${BASE}`, path, ca));
      }).then(() => performance.now() - started);
      return { plan, healthy: await healthy, https: await https };
    };

    // warm-up: the edge container is created on the first publish, page cache and image layers
    await once('chat');
    const samples: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      samples.push(await once('chat'));
      samples.push(await once('website'));
    }
    report(samples);
  } finally {
    await plane.close();
    await cleanUp(tenants);
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(100);
  }
}

/** True when the name answers over HTTPS with a certificate the edge's CA vouches for, with the app's own 200. */
function answers(port: number, name: string, path: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername: name, headers: { Host: `${name}:${port}` }, ca, agent: false, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function rootCertificate(apiUrl: string): Promise<string> {
  const response = await fetch(`${apiUrl}/api/v1/edge/root-certificate`);
  if (!response.ok) throw new Error(`root certificate: ${response.status}`);
  return response.text();
}

/** Removes this run's tenants (by their label) and its edge (by its name and label): nothing else on the engine. */
async function cleanUp(tenants: string[]): Promise<void> {
  for (const tenantId of tenants) {
    const filters = { label: [`allmende.tenant=${tenantId}`] };
    for (const container of await docker.listContainers({ all: true, filters })) await docker.getContainer(container.Id).remove({ force: true, v: true });
    for (const volume of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(volume.Name).remove().catch(() => undefined);
    for (const network of await docker.listNetworks({ filters })) {
      const attached = (await docker.getNetwork(network.Id).inspect()).Containers ?? {};
      for (const container of Object.keys(attached)) await docker.getNetwork(network.Id).disconnect({ Container: container, Force: true }).catch(() => undefined);
      await docker.getNetwork(network.Id).remove().catch(() => undefined);
    }
  }
  const edge = await docker.getContainer(EDGE).inspect().catch(() => null);
  if (edge?.Config.Labels?.['allmende.role'] === 'edge') await docker.getContainer(EDGE).remove({ force: true });
  await docker.getVolume(`${EDGE}-data`).remove().catch(() => undefined);
  await docker.getNetwork(EDGE).remove().catch(() => undefined);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function report(samples: Sample[]): void {
  console.log(`\n(c) marked paid -> https://<address> answers with a valid certificate (medians of ${RUNS}, one tenant at a time)`);
  console.log('plan      paid->healthy   paid->https   admin + publish + first certificate   https/healthy');
  for (const plan of ['chat', 'website']) {
    const of = samples.filter((sample) => sample.plan === plan);
    const healthy = median(of.map((sample) => sample.healthy));
    const https = median(of.map((sample) => sample.https));
    console.log(`${plan.padEnd(9)} ${seconds(healthy).padStart(13)} ${seconds(https).padStart(13)} ${seconds(https - healthy).padStart(37)} ${(https / healthy).toFixed(2).padStart(15)}`);
  }
}

await main();
