import { spawnSync } from 'node:child_process';
import Docker from 'dockerode';
import type { EngineEndpoint } from '#runtime';
import { dockerOptions } from '#runtime/docker';

const START_HINT =
  'Start a private engine with `infra/docker/private-dockerd.sh start` and export the DOCKER_HOST it prints ' +
  '(e.g. `export "$(infra/docker/private-dockerd.sh start)"`).';

/**
 * The Docker engine the end-to-end suites run against: DOCKER_HOST, default
 * unix:///var/run/docker.sock. Throws when it does not answer: these suites never skip.
 */
export function testEngine(): EngineEndpoint {
  const endpoint = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  // Synchronous on purpose (callable at module level): a child process pings /_ping.
  const probe = `
    const http = require('node:http');
    const [endpoint] = process.argv.slice(1);
    const url = new URL(endpoint);
    const target = url.protocol === 'unix:' ? { socketPath: url.pathname } : { host: url.hostname, port: Number(url.port || 2375) };
    const req = http.get({ ...target, path: '/_ping', timeout: 5000 }, (res) => {
      let body = ''; res.on('data', (c) => (body += c));
      res.on('end', () => { if (body.trim() === 'OK') process.exit(0); console.error('answered ' + res.statusCode + ' ' + body); process.exit(1); });
    });
    req.on('timeout', () => { console.error('no answer within 5 s'); req.destroy(); process.exit(1); });
    req.on('error', (e) => { console.error(e.message); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['-e', probe, endpoint], { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) {
    const why = (result.stderr || result.error?.message || 'no answer').trim();
    throw new Error(`No Docker engine answers at DOCKER_HOST=${endpoint} (${why}). ${START_HINT}`);
  }
  return { name: 'test', endpoint };
}

export function testDocker(engine: EngineEndpoint): Docker {
  return new Docker(dockerOptions(engine.endpoint));
}

/** The build script for one of our test images: allmende/busybox:1 -> infra/images/build-busybox.sh. */
function buildScriptFor(image: string): string {
  const name = image.replace(/:.*$/, '').split('/').pop()!;
  return `infra/images/build-${name}.sh`;
}

/** Fails (never skips) when an image is missing, naming the script that builds it. */
export async function requireImages(engine: EngineEndpoint, images: string[]): Promise<void> {
  const docker = testDocker(engine);
  const missing: string[] = [];
  for (const image of images) {
    try {
      await docker.getImage(image).inspect();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      missing.push(image);
    }
  }
  if (missing.length) {
    const builds = missing.map((image) => `DOCKER_HOST=${engine.endpoint} ${buildScriptFor(image)}`).join(' && ');
    throw new Error(`Images missing on ${engine.endpoint}: ${missing.join(', ')}. No registry is reachable here: build them with ${builds}`);
  }
}

/**
 * Removes every container, volume and network carrying any of these labels ("key" or
 * "key=value"): how suites clean up after themselves, touching nothing else.
 */
export async function removeLabelled(engine: EngineEndpoint, labels: string[]): Promise<void> {
  const docker = testDocker(engine);
  for (const label of labels) {
    const filters = { label: [label] };
    for (const container of await docker.listContainers({ all: true, filters })) {
      await docker.getContainer(container.Id).remove({ force: true }).catch(ignoreNotFound);
    }
    for (const volume of (await docker.listVolumes({ filters })).Volumes ?? []) {
      await docker.getVolume(volume.Name).remove().catch(ignoreNotFound);
    }
    for (const network of await docker.listNetworks({ filters })) {
      await docker.getNetwork(network.Id).remove().catch(ignoreNotFound);
    }
  }
}

function ignoreNotFound(error: unknown): void {
  if ((error as { statusCode?: number }).statusCode !== 404) throw error;
}
