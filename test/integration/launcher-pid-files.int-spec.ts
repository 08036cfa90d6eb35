import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '#platform';
import { pidFile, stopStale, writePid } from '../../apps/cli/src/launcher/pid-files.js';

/**
 * What a launcher killed before its children saw it go leaves behind: an api still holding the
 * port. The next start stops it, but only after /proc/<pid>/cmdline shows it is still that
 * program: a pid reused by something else is never signalled.
 */
describe('stale processes of a dead launcher', () => {
  const apiEntry = join(process.cwd(), 'dist/apps/api/src/main.js');
  let runDir: string;

  beforeAll(() => {
    runDir = mkdtempSync(join(tmpdir(), 'allmende-run-'));
    chmodSync(runDir, 0o755);
  });

  afterAll(() => rmSync(runDir, { recursive: true, force: true }));

  const exited = (child: ReturnType<typeof spawn>) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

  it('stops an api a killed launcher left running (it holds the port) and removes its pid file', async () => {
    const port = await freePort();
    // no launcher channel and a database that never answers: it waits, holding the port with 503s
    const api = spawn(process.execPath, [apiEntry], {
      env: { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `postgres://x:y@127.0.0.1:${await freePort()}/none`, ALLMENDE_DATA_DIR: runDir },
      stdio: 'ignore',
    });
    try {
      const deadline = Date.now() + 60_000;
      let status = 0;
      while (status !== 503 && Date.now() < deadline) {
        status = await fetch(`http://127.0.0.1:${port}/api/v1/plans`).then((r) => r.status, () => 0);
        if (status !== 503) await sleep(200);
      }
      expect(status).toBe(503); // the placeholder answers while the database is away
      writePid(runDir, 'api', api.pid!);
      expect(await stopStale(runDir, 'api', apiEntry)).toBe(api.pid);
      await exited(api);
      expect(existsSync(pidFile(runDir, 'api'))).toBe(false);
      expect(await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 'refused')).toBe('refused');
    } finally {
      if (api.exitCode === null) api.kill('SIGKILL');
    }
  });

  it('never signals a pid that now belongs to another program', async () => {
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      writePid(runDir, 'worker', other.pid!);
      expect(await stopStale(runDir, 'worker', join(process.cwd(), 'dist/apps/worker/src/main.js'))).toBeUndefined();
      await sleep(200);
      expect(other.exitCode).toBeNull();
      expect(other.signalCode).toBeNull();
    } finally {
      other.kill('SIGKILL');
      await exited(other);
    }
  });
});
