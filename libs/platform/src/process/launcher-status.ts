import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One process the launcher runs, as it last saw it. */
export interface SupervisedProcess {
  pid: number | null;
  state: 'starting' | 'running' | 'waiting_to_restart' | 'stopped';
  /** Restarts after crashes since the launcher started. */
  restarts: number;
  /** Crashes in a row without staying up: > 0 means it keeps crashing. */
  crashesInARow: number;
  lastExit?: string;
  /** When a crashed process is started again (ISO). */
  nextStartAt?: string;
}

/** The Docker engine `npm start` provides on a fresh machine, and the images it builds into it. */
export interface LocalEngineStatus {
  engine: { endpoint: string | null; state: 'starting' | 'ready' | 'missing' | 'failed'; detail?: string };
  images: { state: 'waiting' | 'building' | 'ready' | 'failed'; built: string[]; building?: string; detail?: string };
}

/** What the launcher writes for the API's /readyz (and for operators): which processes run, which keep crashing. */
export interface LauncherStatus {
  launcherPid: number;
  updatedAt: string;
  processes: Record<string, SupervisedProcess>;
  /** Only when the launcher provides the engine (nothing configured, not production). */
  localEngine?: LocalEngineStatus;
}

/** Where the launcher keeps its pid files and status: <data dir>/run. */
export function runDirOf(dataDir: string): string {
  return join(dataDir, 'run');
}

export function writeLauncherStatus(dataDir: string, status: LauncherStatus): void {
  const dir = runDirOf(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const file = join(dir, 'launcher.json');
  // written whole and renamed: a reader never sees half a file
  writeFileSync(`${file}.tmp`, JSON.stringify(status, null, 2) + '\n', { mode: 0o644 });
  renameSync(`${file}.tmp`, file);
}

/** The launcher's last status, or null when no live launcher wrote one. */
export function readLauncherStatus(dataDir: string): LauncherStatus | null {
  let status: LauncherStatus;
  try {
    status = JSON.parse(readFileSync(join(runDirOf(dataDir), 'launcher.json'), 'utf8')) as LauncherStatus;
  } catch {
    return null;
  }
  try {
    process.kill(status.launcherPid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return status;
}
