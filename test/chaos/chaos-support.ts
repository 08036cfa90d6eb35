import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export const ROOT = process.cwd();
export const CLI = join(ROOT, 'dist/apps/cli/src/main.js');

/** One row of the table the tier prints at the end. `convergedMs` null: it did not. */
export function recordFault(fault: string, happened: string, convergedMs: number | null): void {
  const file = process.env.ALLMENDE_CHAOS_RESULTS;
  if (!file) throw new Error('no chaos results file: run through jest --selectProjects chaos (its global setup makes one)');
  appendFileSync(file, JSON.stringify({ fault, happened, convergedMs }) + '\n');
}

export function chaosEngine(): string {
  const endpoint = process.env.ALLMENDE_CHAOS_DOCKER_HOST;
  if (!endpoint) throw new Error('no chaos engine: run through jest --selectProjects chaos (its global setup starts one)');
  return endpoint;
}

/** Runs infra/docker/private-dockerd.sh for the chaos engine (never the shared default one). */
export function chaosEngineScript(command: 'start' | 'stop'): void {
  const result = spawnSync(join(ROOT, 'infra/docker/private-dockerd.sh'), [command], { env: { ...process.env, ALLMENDE_DOCKERD_NAME: 'chaos' }, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`private-dockerd.sh ${command} failed: ${result.stderr}`);
}

/** Polls until `check` returns something truthy; fails with `what` and the last value after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await check();
      if (last) return last as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(everyMs);
  }
}

export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `npm start` as an operator runs it, minus the build the tier already did: npm runs a shell
 * that execs the launcher (the same process tree: npm -> node launcher -> api, worker).
 */
export class NpmStart {
  readonly process: ChildProcess;
  output = '';

  constructor(dir: string, env: NodeJS.ProcessEnv) {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'allmende-chaos', version: '0.0.0', private: true, scripts: { start: `true && exec node ${CLI} start` } }));
    this.process = spawn('npm', ['start', '--silent'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout!.on('data', (chunk) => (this.output += chunk));
    this.process.stderr!.on('data', (chunk) => (this.output += chunk));
  }

  exited(): Promise<number | null> {
    return this.process.exitCode !== null || this.process.signalCode !== null
      ? Promise.resolve(this.process.exitCode)
      : new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
  }

  tail(lines = 40): string {
    return this.output.trim().split('\n').slice(-lines).join('\n');
  }
}

/** The launcher's own Postgres, reached with the credentials it keeps in its state file. */
export async function connectDatabase(dataDir: string): Promise<pg.Client> {
  const state = JSON.parse(readFileSync(join(dataDir, 'pg.json'), 'utf8')) as { user: string; password: string; port: number };
  const client = new pg.Client({ host: '127.0.0.1', port: state.port, user: state.user, password: state.password, database: 'allmende', connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Runs one query on a fresh connection (the database may have restarted since the last one). */
export async function query<T = Record<string, unknown>>(dataDir: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = await connectDatabase(dataDir);
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}
