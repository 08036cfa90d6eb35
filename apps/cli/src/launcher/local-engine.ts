import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

/**
 * `npm start` on a fresh machine: the newcomer's order must end at its address, so the launcher
 * makes sure a Docker engine answers and the catalog's images are on it. Only when nobody said
 * which engine to use (no ALLMENDE_DOCKER_HOSTS, no DOCKER_HOST), not in production and not
 * switched off (ALLMENDE_LOCAL_ENGINE=off): AppConfig.provideLocalEngine. An operator's
 * configuration is never second-guessed.
 */
export type LocalEnginePlan =
  /** Configured by the operator (or production, or switched off): nothing to do here. */
  | { kind: 'configured' }
  /** The machine's own engine answers: use it, build the images into it. */
  | { kind: 'system'; endpoint: string }
  /** Start (or adopt) a private engine as `npm test` does, then build the images into it. */
  | { kind: 'private'; endpoint: string }
  /** No engine, and no right to start one: say what to do in one line. */
  | { kind: 'instruct'; message: string };

export const SYSTEM_SOCKET = '/var/run/docker.sock';
/** The private engine of `npm start`: its own socket and data root, apart from a system engine and from the tests'. */
export const PRIVATE_ENGINE = { name: 'local', socket: '/run/allmende-docker.sock', dataRoot: '/var/lib/allmende-docker' } as const;
/** What the catalog's templates and the control plane itself run (Mastodon's images come from its registry). */
export const CATALOG_IMAGES = ['busybox', 'caddy', 'prosody', 'mariadb', 'wordpress', 'restic'] as const;

export function planLocalEngine(input: { provide: boolean; systemAnswers: boolean; isRoot: boolean }): LocalEnginePlan {
  if (!input.provide) return { kind: 'configured' };
  if (input.systemAnswers) return { kind: 'system', endpoint: `unix://${SYSTEM_SOCKET}` };
  if (input.isRoot) return { kind: 'private', endpoint: `unix://${PRIVATE_ENGINE.socket}` };
  return {
    kind: 'instruct',
    message: `no Docker engine answers at ${SYSTEM_SOCKET}: start one (sudo systemctl start docker), or run npm start as root once to get a private one, or set DOCKER_HOST; orders wait until an engine answers`,
  };
}

/** The image build-all.sh says it starts on this line of its output ("[images] === prosody (allmende/prosody:0.12)"), if any. */
export function imageStartedIn(line: string): string | undefined {
  return /^(?:\[images\] )?=== ([a-z][a-z-]*) \(/.exec(line)?.[1];
}

/** True when a Docker engine answers /_ping on the unix socket within the time given. */
export function engineAnswers(socketPath: string, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

/** Runs one of the repository's scripts (argv, no shell), each output line to `line`; resolves with its exit code and the last lines. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv, line: (text: string) => void): Promise<{ code: number; tail: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(`${ROOT}${script}`, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const take = (chunk: Buffer) => {
      for (const text of chunk.toString().split('\n').map((l) => l.trimEnd()).filter(Boolean)) {
        tail.push(text);
        if (tail.length > 20) tail.shift();
        line(text);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => resolve({ code: 127, tail: [...tail, error.message] }));
    child.on('close', (code) => resolve({ code: code ?? 1, tail }));
  });
}

/** The environment for the private engine's script (its socket, data root and name). */
export function privateEngineEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...base, ALLMENDE_DOCKERD_NAME: PRIVATE_ENGINE.name, ALLMENDE_DOCKERD_SOCKET: PRIVATE_ENGINE.socket, ALLMENDE_DOCKERD_DATA_ROOT: PRIVATE_ENGINE.dataRoot };
}
