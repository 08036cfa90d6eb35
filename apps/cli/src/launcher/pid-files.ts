import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Pid files under <data dir>/run: which processes a launcher started, so that the next start
 * can find what a killed launcher left behind. A pid is only ever signalled after
 * /proc/<pid>/cmdline shows it is still the program we started (pids are reused).
 */

export function pidFile(runDir: string, name: string): string {
  return join(runDir, `${name}.pid`);
}

export function writePid(runDir: string, name: string, pid: number): void {
  writeFileSync(pidFile(runDir, name), `${pid}\n`, { mode: 0o644 });
}

export function readPid(runDir: string, name: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(runDir, name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function removePid(runDir: string, name: string): void {
  rmSync(pidFile(runDir, name), { force: true });
}

/** The process's argv as the kernel has it, or null when there is no such process. */
export function commandLineOf(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

/**
 * Whether a command line is the program we started: node running `script` (an absolute path),
 * followed by `args` if given. Pure.
 */
export function isProgram(commandLine: readonly string[] | null, script: string, args: readonly string[] = []): boolean {
  if (!commandLine || commandLine.length < 2) return false;
  const at = commandLine.indexOf(script);
  if (at < 1) return false; // argv[0] is the node binary
  return args.every((arg, i) => commandLine[at + 1 + i] === arg);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops the process of a pid file if it still runs `script` (SIGTERM, then SIGKILL after
 * `graceMs`) and removes the file. Returns the pid it stopped, if any.
 */
export async function stopStale(runDir: string, name: string, script: string, graceMs = 10_000): Promise<number | undefined> {
  const pid = readPid(runDir, name);
  removePid(runDir, name);
  if (pid === undefined || !isProgram(commandLineOf(pid), script)) return undefined;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && isProgram(commandLineOf(pid), script)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await sleep(100);
  }
  return pid;
}
