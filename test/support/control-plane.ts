import type { INestApplicationContext } from '@nestjs/common';
import { randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Operation } from '#provisioning';
import { createWorkerApp } from '../../apps/worker/src/worker-app.js';
import { ApiHarness, startApiHarness } from './api-harness.js';
import { testDocker, testEngine } from './docker.js';

export interface ControlPlane extends ApiHarness {
  worker: INestApplicationContext;
  /** This control plane's edge proxy on the test engine: its own name, its own ports. */
  edge: { name: string; publishIp: string; httpPort: number; httpsPort: number };
  /** The edge's CA root (PEM), as a person downloads it. */
  rootCertificate(): Promise<string>;
  /** Polls the operation until it finishes; fails with its steps if it failed or took too long. */
  waitForOperation(id: string, timeoutMs?: number): Promise<Operation>;
}

/** A port nothing listens on now (the edge publishes there). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * API and worker in this process, on one fresh database, driving the engine at DOCKER_HOST.
 * Each control plane gets an edge of its own (name, ports) and a window of tenant host ports,
 * so test files running side by side on one engine do not meet.
 */
export async function startControlPlane(env: Record<string, string | undefined> = {}): Promise<ControlPlane> {
  const publishIp = env.ALLMENDE_PUBLISH_IP ?? '127.0.0.1';
  const edge = {
    name: env.ALLMENDE_EDGE_NAME ?? `alm-test-edge-${randomBytes(4).toString('hex')}`,
    publishIp,
    httpPort: Number(env.ALLMENDE_EDGE_HTTP_PORT ?? (await freePort(publishIp))),
    httpsPort: Number(env.ALLMENDE_EDGE_HTTPS_PORT ?? (await freePort(publishIp))),
  };
  const portsFrom = randomInt(20_000, 59_000);
  const harness = await startApiHarness({
    ALLMENDE_DOCKER_HOSTS: `local=${process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}`,
    ALLMENDE_IMAGE_OVERRIDES: JSON.stringify({
      'ghcr.io/mastodon/mastodon:v4.3.17': 'allmende-test/mastodon-standin:4.3',
      'ghcr.io/mastodon/mastodon-streaming:v4.3.17': 'allmende-test/mastodon-standin:4.3',
      'ghcr.io/mastodon/mastodon:v4.4.8': 'allmende-test/mastodon-standin:4.4',
      'ghcr.io/mastodon/mastodon-streaming:v4.4.8': 'allmende-test/mastodon-standin:4.4',
    }),
    ALLMENDE_EDGE_NAME: edge.name,
    ALLMENDE_EDGE_HTTP_PORT: String(edge.httpPort),
    ALLMENDE_EDGE_HTTPS_PORT: String(edge.httpsPort),
    ALLMENDE_TENANT_PORTS: `${portsFrom}-${portsFrom + 999}`,
    ...env,
    ALLMENDE_PUBLISH_IP: publishIp,
  });
  const worker = await createWorkerApp(harness.config, harness.db.url);
  await worker.init();
  return {
    ...harness,
    worker,
    edge,
    async rootCertificate() {
      const response = await harness.http().get('/api/v1/edge/root-certificate').buffer(true).parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      });
      if (response.status !== 200) throw new Error(`root certificate: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body as string;
    },
    async waitForOperation(id, timeoutMs = 240_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const operation = await harness.dataSource.manager.findOneByOrFail(Operation, { id });
        if (operation.state === 'succeeded') return operation;
        if (operation.state === 'failed' || Date.now() > deadline) {
          throw new Error(`operation ${operation.kind} ${operation.state}${operation.error ? `: ${operation.error}` : ''}\n${JSON.stringify(operation.steps, null, 2)}`);
        }
        await sleep(250);
      }
    },
    async close() {
      await worker.close();
      await harness.close();
      await removeEdge(edge.name);
    },
  };
}

/** Removes a test edge: its container, volume and network, each only when labelled as an edge. */
async function removeEdge(name: string): Promise<void> {
  const docker = testDocker(testEngine());
  const isEdge = (labels: Record<string, string> | undefined) => labels?.['allmende.managed'] === 'true' && labels?.['allmende.role'] === 'edge';
  const container = await docker.getContainer(name).inspect().catch(() => null);
  if (container && isEdge(container.Config.Labels)) await docker.getContainer(name).remove({ force: true });
  const volume = await docker.getVolume(`${name}-data`).inspect().catch(() => null);
  if (volume && isEdge(volume.Labels)) await docker.getVolume(`${name}-data`).remove().catch(() => undefined);
  const network = await docker.getNetwork(name).inspect().catch(() => null);
  if (network && isEdge(network.Labels)) await docker.getNetwork(name).remove().catch(() => undefined);
}
