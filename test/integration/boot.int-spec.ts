import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '#platform';

/**
 * The compiled entry points as a person runs them (`npm start` runs the cli's start):
 * configuration errors, the embedded Postgres shared by processes, and a clean stop.
 */
const ROOT = process.cwd();
const entry = (app: 'api' | 'worker' | 'cli') => join(ROOT, `dist/apps/${app}/src/main.js`);

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...extra };
  return env;
}

describe('entry points', () => {
  it.each(['api', 'worker', 'cli'] as const)('%s stops on a bad configuration with one line naming the variable', (app) => {
    const result = spawnSync(process.execPath, app === 'cli' ? [entry(app), 'migrate'] : [entry(app)], {
      env: cleanEnv({ PORT: 'eighty', STRIPE_SECRET_KEY: 'sk_test_leak-me-not' }),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^allmende: invalid configuration: PORT must be an integer.*\(got "eighty"\)/);
    expect(lines[0]).toContain('STRIPE_SECRET_KEY');
    expect(result.stderr + result.stdout).not.toContain('leak-me-not');
  });

  describe('the control plane on the embedded defaults (what `npm start` runs)', () => {
    let dataDir: string;
    let port: number;
    let launcher: ChildProcess | undefined;
    let output = '';

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'allmende-boot-'));
      chmodSync(dataDir, 0o755);
      port = await freePort();
    });

    afterAll(async () => {
      if (launcher && launcher.exitCode === null) launcher.kill('SIGKILL');
      spawnSync(process.execPath, [entry('cli'), 'db:stop'], { env: cleanEnv({ ALLMENDE_DATA_DIR: dataDir }) });
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('starts Postgres, migrates, serves the API, and stops everything on SIGTERM', async () => {
      launcher = spawn(process.execPath, [entry('cli'), 'start'], {
        env: cleanEnv({
          ALLMENDE_DATA_DIR: dataDir,
          ALLMENDE_EMBEDDED_PG_PORT: String(await freePort()),
          PORT: String(port),
          ALLMENDE_DOCKER_HOSTS: 'local=unix:///run/allmende-boot-test-none.sock',
        }),
      });
      launcher.stdout!.on('data', (chunk) => (output += chunk));
      launcher.stderr!.on('data', (chunk) => (output += chunk));

      const deadline = Date.now() + 60_000;
      let plans: unknown;
      while (Date.now() < deadline) {
        plans = await fetch(`http://127.0.0.1:${port}/api/v1/plans`).then((r) => (r.ok ? r.json() : undefined), () => undefined);
        if (plans) break;
        await sleep(250);
      }
      expect(plans).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'chat', apps: ['prosody'] })]));
      expect(output).toMatch(/applied \d+ migration\(s\)/);

      // the api and worker share the one server the launcher started
      const postmaster = readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n');
      const serverPid = Number(postmaster[0]);
      expect(process.kill(serverPid, 0)).toBe(true);

      const exited = new Promise<number | null>((resolve) => launcher!.once('exit', resolve));
      launcher.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('embedded Postgres stopped');
      expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
      expect(output).not.toMatch(/password|secret/i);
    });

    it('a second start reuses the data (no new migrations) and an api started alone joins a running server', async () => {
      const pgPort = String(await freePort());
      const env = cleanEnv({ ALLMENDE_DATA_DIR: dataDir, ALLMENDE_EMBEDDED_PG_PORT: pgPort });
      const migrate = spawnSync(process.execPath, [entry('cli'), 'migrate'], { env, encoding: 'utf8', timeout: 60_000 });
      expect(migrate.stdout).toContain('database schema is up to date');

      // the migrate command left the server running (detached); api and worker both join it
      const before = readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0];
      const apiPort = await freePort();
      const api = spawn(process.execPath, [entry('api')], { env: { ...env, PORT: String(apiPort), ALLMENDE_DOCKER_HOSTS: 'local=unix:///run/none.sock' } });
      const worker = spawn(process.execPath, [entry('worker')], { env: { ...env, ALLMENDE_DOCKER_HOSTS: 'local=unix:///run/none.sock' } });
      try {
        const deadline = Date.now() + 60_000;
        let healthy = false;
        while (!healthy && Date.now() < deadline) {
          healthy = await fetch(`http://127.0.0.1:${apiPort}/healthz`).then((r) => r.ok, () => false);
          if (!healthy) await sleep(250);
        }
        expect(healthy).toBe(true);
        await sleep(1000); // give the worker time to connect too
        expect(worker.exitCode).toBeNull();
        expect(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]).toBe(before);
      } finally {
        api.kill('SIGTERM');
        worker.kill('SIGTERM');
        await Promise.all([api, worker].map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
      }
    });
  });
});
