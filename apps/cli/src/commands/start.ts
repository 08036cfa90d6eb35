import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppConfig, backoffDelay, type LocalEngineStatus, runDirOf, type SupervisedProcess, writeLauncherStatus } from '#platform';
import { embeddedPostgresPid, ensureEmbeddedPostgres, stopEmbeddedPostgres } from '#platform/database';
import { commandLineOf, isProgram, readPid, removePid, stopStale, writePid } from '../launcher/pid-files.js';
import { CATALOG_IMAGES, engineAnswers, imageStartedIn, type LocalEnginePlan, planLocalEngine, PRIVATE_ENGINE, privateEngineEnv, runScript, SYSTEM_SOCKET } from '../launcher/local-engine.js';
import { afterExit } from '../launcher/restart-policy.js';
import { runMigrations } from './migrate.js';

const CLI = fileURLToPath(new URL('../main.js', import.meta.url));
const ENTRY_POINTS = {
  api: fileURLToPath(new URL('../../../api/src/main.js', import.meta.url)),
  worker: fileURLToPath(new URL('../../../worker/src/main.js', import.meta.url)),
} as const;

type Role = keyof typeof ENTRY_POINTS;

/** How often the launcher looks whether the embedded Postgres still runs. */
const POSTGRES_CHECK_MS = 1000;
/** Pauses between tries to start a Postgres that died (its old backends may still hold its shared memory for a moment). */
const POSTGRES_RESTART_BACKOFF = { initialMs: 250, maxMs: 10_000 };
/** How long api and worker get to finish on shutdown before they are killed. */
const STOP_GRACE_MS = 25_000;

/**
 * `npm start`: one command for a whole control plane on one machine. Supervises an embedded
 * Postgres (unless DATABASE_URL is set), migrates, and runs api and worker as child processes:
 * - a process that exits is started again after a pause growing while it keeps crashing; a
 *   crash-looping worker never stops the API (and is reported in the API's /readyz)
 * - an embedded Postgres that dies is started again; api and worker wait for it meanwhile
 * - api and worker hold an IPC channel to the launcher and stop when it closes, so they never
 *   outlive it, even after a SIGKILL; pid files under <data dir>/run let the next start clear
 *   anything a killed launcher left (after checking /proc/<pid>/cmdline)
 * - Ctrl-C, SIGTERM or SIGHUP stop everything; started by `npm start`, it also stops when npm is gone
 * - with no engine configured (development), it uses the machine's Docker engine or starts a
 *   private one, and builds the catalog's images into it in the background (see local-engine.ts)
 */
export async function startControlPlane(config: AppConfig, log: (line: string) => void): Promise<void> {
  await new Launcher(config, log).start();
}

class Launcher {
  private readonly runDir: string;
  private readonly children = new Map<Role, ChildProcess>();
  private readonly processes: Record<string, SupervisedProcess> = {};
  private readonly timers = new Set<NodeJS.Timeout>();
  private url = '';
  private ownsPostgres = false;
  private postgresRestarting = false;
  private stopping = false;
  /** What api and worker get on top of the launcher's environment (the engine it provides). */
  private readonly childEnv: NodeJS.ProcessEnv = {};
  private localEngine?: LocalEngineStatus;
  private ownsEngine = false;

  constructor(
    private readonly config: AppConfig,
    private readonly log: (line: string) => void,
  ) {
    this.runDir = runDirOf(config.dataDir);
  }

  async start(): Promise<void> {
    mkdirSync(this.runDir, { recursive: true, mode: 0o755 });
    await this.claim();
    process.on('SIGINT', () => void this.shutdown(0, 'SIGINT'));
    process.on('SIGTERM', () => void this.shutdown(0, 'SIGTERM'));
    process.on('SIGHUP', () => void this.shutdown(0, 'SIGHUP'));
    this.watchParent();

    try {
      this.url = this.config.database.url ?? (await this.startPostgres());
      await runMigrations(this.url, this.log);
    } catch (error) {
      this.log(`cannot start: ${(error as Error).message}`);
      return this.shutdown(1, 'start failed');
    }
    const engine = await this.planEngine();
    this.launch('api');
    this.launch('worker');
    if (!this.config.database.url) this.every(POSTGRES_CHECK_MS, () => this.checkPostgres());
    // the order form answers at once; orders wait for the engine and the images meanwhile
    void this.provideEngine(engine);
    this.log(`order form: ${this.config.http.publicUrl}/   API docs: ${this.config.http.publicUrl}/api/docs   (Ctrl-C stops)`);
  }

  /** One launcher per data dir; what a killed launcher left behind is stopped first. */
  private async claim(): Promise<void> {
    const other = readPid(this.runDir, 'launcher');
    if (other !== undefined && other !== process.pid && isProgram(commandLineOf(other), CLI, ['start'])) {
      throw new Error(`another \`allmende start\` runs with pid ${other} for ${this.config.dataDir}; stop it first (Ctrl-C or kill ${other})`);
    }
    for (const role of Object.keys(ENTRY_POINTS) as Role[]) {
      const stopped = await stopStale(this.runDir, role, ENTRY_POINTS[role]);
      if (stopped) this.log(`stopped a ${role} (pid ${stopped}) that a previous launcher left running`);
    }
    writePid(this.runDir, 'launcher', process.pid);
  }

  /** Started by `npm start`: npm's death (even SIGKILL) must not leave the control plane running. */
  private watchParent(): void {
    if (process.env.npm_lifecycle_event !== 'start') return;
    const parent = process.ppid;
    this.every(1000, async () => {
      if (process.ppid !== parent) await this.shutdown(0, `npm (pid ${parent}) is gone`);
    });
  }

  // ---- the embedded Postgres ---------------------------------------------------------

  private async startPostgres(): Promise<string> {
    const embedded = this.config.database.embedded;
    // a server a previous launcher started is this launcher's to supervise and stop
    const previous = readPid(this.runDir, 'postgres');
    const handle = await ensureEmbeddedPostgres({ ...embedded, log: this.log });
    this.ownsPostgres = handle.startedHere || previous === handle.pid;
    if (this.ownsPostgres) writePid(this.runDir, 'postgres', handle.pid);
    this.processes.postgres = { pid: handle.pid, state: 'running', restarts: 0, crashesInARow: 0 };
    this.writeStatus();
    this.log(`embedded Postgres ${handle.startedHere ? 'started' : previous === handle.pid ? 'adopted from a previous launcher' : 'already running'} (data in ${embedded.dataDir})`);
    return handle.url;
  }

  private async checkPostgres(): Promise<void> {
    if (this.stopping || this.postgresRestarting || embeddedPostgresPid(this.config.database.embedded.dataDir) !== undefined) return;
    this.postgresRestarting = true;
    const lostAt = Date.now();
    const state = this.processes.postgres;
    this.log('embedded Postgres stopped unexpectedly; starting it again (api and worker wait for it)');
    Object.assign(state, { pid: null, state: 'waiting_to_restart', lastExit: new Date().toISOString() });
    this.writeStatus();
    try {
      for (let attempt = 0; !this.stopping; attempt++) {
        try {
          const handle = await ensureEmbeddedPostgres({ ...this.config.database.embedded, log: this.log });
          this.ownsPostgres = true;
          writePid(this.runDir, 'postgres', handle.pid);
          Object.assign(state, { pid: handle.pid, state: 'running', restarts: state.restarts + 1 });
          this.writeStatus();
          this.log(`embedded Postgres runs again (pid ${handle.pid}) after ${Date.now() - lostAt} ms`);
          if (handle.url !== this.url) {
            // it had to take another port: api and worker need the new address
            this.url = handle.url;
            this.log('embedded Postgres listens on another port now; restarting api and worker');
            for (const child of this.children.values()) child.kill('SIGTERM');
          }
          return;
        } catch (error) {
          const delay = backoffDelay(attempt, POSTGRES_RESTART_BACKOFF);
          this.log(`embedded Postgres did not start (${(error as Error).message.split('\n')[0]}); trying again in ${delay} ms`);
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    } finally {
      this.postgresRestarting = false;
    }
  }

  // ---- the local Docker engine (development) ------------------------------------------

  private async planEngine(): Promise<LocalEnginePlan> {
    const plan = planLocalEngine({
      provide: this.config.provideLocalEngine,
      systemAnswers: await engineAnswers(SYSTEM_SOCKET),
      isRoot: process.getuid?.() === 0,
    });
    if (plan.kind === 'configured') return plan;
    if (plan.kind === 'instruct') {
      this.localEngine = { engine: { endpoint: null, state: 'missing', detail: plan.message }, images: { state: 'waiting', built: [] } };
      this.log(plan.message);
    } else {
      this.childEnv.DOCKER_HOST = plan.endpoint;
      this.localEngine = { engine: { endpoint: plan.endpoint, state: plan.kind === 'system' ? 'ready' : 'starting' }, images: { state: 'waiting', built: [] } };
      this.log(plan.kind === 'system' ? `using the Docker engine at ${plan.endpoint}` : `no Docker engine answers at ${SYSTEM_SOCKET}; starting a private one at ${plan.endpoint} (data in ${PRIVATE_ENGINE.dataRoot})`);
    }
    this.writeStatus();
    return plan;
  }

  /** Starts the private engine when needed, then builds the images the catalog needs into it, saying how far it is. */
  private async provideEngine(plan: LocalEnginePlan): Promise<void> {
    if (plan.kind !== 'system' && plan.kind !== 'private') return;
    const status = this.localEngine!;
    if (plan.kind === 'private' && !(await engineAnswers(PRIVATE_ENGINE.socket))) {
      const started = await runScript('infra/docker/private-dockerd.sh', ['start'], privateEngineEnv(process.env), (line) => this.log(`engine: ${line}`));
      if (started.code !== 0) {
        status.engine = { ...status.engine, state: 'failed', detail: started.tail.slice(-3).join(' / ') };
        this.writeStatus();
        return;
      }
      this.ownsEngine = true;
    }
    status.engine.state = 'ready';
    status.images.state = 'building';
    this.writeStatus();
    const env = { ...process.env, DOCKER_HOST: plan.endpoint };
    const built = await runScript('infra/images/build-all.sh', [...CATALOG_IMAGES], env, (line) => {
      const next = imageStartedIn(line);
      if (next) {
        if (status.images.building) status.images.built.push(status.images.building);
        status.images.building = next;
        this.log(`images: building ${next} (${status.images.built.length + 1} of ${CATALOG_IMAGES.length})`);
        this.writeStatus();
      }
    });
    if (status.images.building && built.code === 0) status.images.built.push(status.images.building);
    status.images.building = undefined;
    status.images.state = built.code === 0 ? 'ready' : 'failed';
    if (built.code !== 0) status.images.detail = built.tail.slice(-3).join(' / ');
    this.log(built.code === 0 ? `images: all ${CATALOG_IMAGES.length} ready on ${plan.endpoint}` : `images: building failed (${status.images.detail}); see infra/images/README.md`);
    this.writeStatus();
  }

  // ---- api and worker ------------------------------------------------------------------

  private launch(role: Role): void {
    if (this.stopping) return;
    const child = spawn(process.execPath, [ENTRY_POINTS[role]], {
      env: { ...process.env, ...this.childEnv, DATABASE_URL: this.url, ALLMENDE_ROLE: role },
      // the IPC channel is how the child knows its launcher is alive (see stopWithLauncher)
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    const startedAt = Date.now();
    const state = (this.processes[role] ??= { pid: null, state: 'starting', restarts: 0, crashesInARow: 0 });
    Object.assign(state, { pid: child.pid ?? null, state: 'starting', nextStartAt: undefined });
    if (child.pid) writePid(this.runDir, role, child.pid);
    this.children.set(role, child);
    this.writeStatus();
    child.on('message', (message: { type?: string }) => {
      if (message?.type === 'ready' && this.children.get(role) === child) {
        state.state = 'running';
        this.writeStatus();
      }
    });
    child.on('exit', (code, signal) => {
      if (this.children.get(role) === child) this.children.delete(role);
      removePid(this.runDir, role);
      if (this.stopping) return;
      if (code === 78) return void this.shutdown(78, `${role} reports a configuration error`); // restarting will not help
      const verdict = afterExit(state.crashesInARow, Date.now() - startedAt);
      Object.assign(state, {
        pid: null,
        state: 'waiting_to_restart',
        restarts: state.restarts + 1,
        crashesInARow: verdict.crashesInARow,
        lastExit: `${signal ?? `exit code ${code}`} at ${new Date().toISOString()}`,
        nextStartAt: new Date(Date.now() + verdict.delayMs).toISOString(),
      });
      this.writeStatus();
      const seconds = Math.round(verdict.delayMs / 1000);
      this.log(
        verdict.crashLooping
          ? `${role} keeps crashing (${verdict.crashesInARow} times in a row, last: ${signal ?? code}); starting it again in ${seconds} s — the other processes keep running`
          : `${role} exited (${signal ?? code}); starting it again in ${seconds} s`,
      );
      this.after(verdict.delayMs, () => this.launch(role));
    });
  }

  private writeStatus(): void {
    try {
      writeLauncherStatus(this.config.dataDir, {
        launcherPid: process.pid,
        updatedAt: new Date().toISOString(),
        processes: this.processes,
        ...(this.localEngine ? { localEngine: this.localEngine } : {}),
      });
    } catch (error) {
      this.log(`could not write the launcher status: ${(error as Error).message}`);
    }
  }

  // ---- stopping ------------------------------------------------------------------------

  private async shutdown(exitCode: number, why: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.log(`stopping api and worker (${why})`);
    await Promise.all(
      [...this.children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
            child.once('exit', () => (clearTimeout(timer), resolve()));
            child.kill('SIGTERM');
          }),
      ),
    );
    if (this.ownsPostgres) {
      await stopEmbeddedPostgres(this.config.database.embedded.dataDir).catch((error: Error) => this.log(`could not stop embedded Postgres: ${error.message}`));
      removePid(this.runDir, 'postgres');
      this.log('embedded Postgres stopped');
    }
    if (this.ownsEngine) {
      // tenants' containers stop with it and start again with it next time (restart policy)
      const stopped = await runScript('infra/docker/private-dockerd.sh', ['stop'], privateEngineEnv(process.env), () => undefined);
      this.log(stopped.code === 0 ? 'private Docker engine stopped' : `could not stop the private Docker engine: ${stopped.tail.slice(-1)[0] ?? stopped.code}`);
    }
    removePid(this.runDir, 'launcher');
    rmSync(join(this.runDir, 'launcher.json'), { force: true });
    process.exit(exitCode);
  }

  private after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  /** Runs `check` every `ms`, one at a time. */
  private every(ms: number, check: () => Promise<void>): void {
    const next = () =>
      this.after(ms, () => {
        void check()
          .catch((error: Error) => this.log(`launcher check failed: ${error.message}`))
          .finally(() => !this.stopping && next());
      });
    next();
  }
}
