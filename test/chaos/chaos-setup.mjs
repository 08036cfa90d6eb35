// Global setup of the chaos tier: a second private Docker engine of its own ("chaos"), which
// the tier stops and starts as one of its faults, with only the images it needs built into it.
// Never the shared default engine. Plain JS: Jest loads it outside its module mapper.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const CHAOS_ENGINE = 'chaos';

export function engineScript(command) {
  const result = spawnSync(join(root, 'infra/docker/private-dockerd.sh'), [command], {
    env: { ...process.env, ALLMENDE_DOCKERD_NAME: CHAOS_ENGINE },
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (result.status !== 0) throw new Error(`private-dockerd.sh ${command} (${CHAOS_ENGINE}) failed: ${result.stderr || result.error?.message}`);
  return result.stdout.trim();
}

export default async function chaosSetup() {
  try {
    statSync(join(root, 'dist/apps/cli/src/main.js'));
  } catch {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it for you)');
  }
  const line = engineScript('start').split('\n').find((l) => l.startsWith('DOCKER_HOST='));
  if (!line) throw new Error('private-dockerd.sh start printed no DOCKER_HOST');
  const endpoint = line.slice('DOCKER_HOST='.length);
  process.env.ALLMENDE_CHAOS_DOCKER_HOST = endpoint;
  // only what the faults need; existing images are kept (the engine's data root persists between runs)
  const build = spawnSync(join(root, 'infra/images/build-all.sh'), ['busybox', 'prosody', 'caddy'], {
    env: { ...process.env, DOCKER_HOST: endpoint },
    encoding: 'utf8',
    timeout: 900_000,
  });
  if (build.status !== 0) throw new Error(`building images into the chaos engine failed:\n${build.stderr.slice(-3000)}`);
  process.env.ALLMENDE_CHAOS_RESULTS = join(mkdtempSync(join(tmpdir(), 'allmende-chaos-')), 'results.jsonl');
}
