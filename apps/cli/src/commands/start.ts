import { ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AppConfig } from '#platform';
import { ensureEmbeddedPostgres, stopEmbeddedPostgres } from '#platform/database';
import { runMigrations } from './migrate.js';

const ENTRY_POINTS = {
  api: fileURLToPath(new URL('../../../api/src/main.js', import.meta.url)),
  worker: fileURLToPath(new URL('../../../worker/src/main.js', import.meta.url)),
} as const;

type Role = keyof typeof ENTRY_POINTS;

/**
 * `npm start`: one command for a whole control plane on one machine. Starts (or joins)
 * the embedded Postgres unless DATABASE_URL is set, migrates, then runs api and worker
 * as child processes, restarting one that crashes, and stops everything on Ctrl-C.
 */
export async function startControlPlane(config: AppConfig, log: (line: string) => void): Promise<void> {
  let url = config.database.url;
  let ownsEmbedded = false;
  if (!url) {
    const handle = await ensureEmbeddedPostgres({ ...config.database.embedded, log });
    url = handle.url;
    ownsEmbedded = handle.startedHere;
    log(`embedded Postgres ${handle.startedHere ? 'started' : 'already running'} (data in ${config.database.embedded.dataDir})`);
  }
  await runMigrations(url, log);

  const env = { ...process.env, DATABASE_URL: url };
  const children = new Map<Role, ChildProcess>();
  const crashes: number[] = [];
  let stopping = false;

  const launch = (role: Role): void => {
    const child = spawn(process.execPath, [ENTRY_POINTS[role]], { env: { ...env, ALLMENDE_ROLE: role }, stdio: 'inherit' });
    children.set(role, child);
    child.on('exit', (code, signal) => {
      children.delete(role);
      if (stopping) return;
      if (code === 78) return void shutdown(78); // configuration error: restarting will not help
      const now = Date.now();
      crashes.push(now);
      while (crashes.length && crashes[0] < now - 60_000) crashes.shift();
      if (crashes.length > 5) {
        log(`${role} keeps crashing (${crashes.length} times in a minute); stopping`);
        return void shutdown(1);
      }
      log(`${role} exited (${signal ?? code}); restarting in 1 s`);
      setTimeout(() => !stopping && launch(role), 1000).unref();
    });
  };

  const shutdown = async (exitCode: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('stopping api and worker');
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => (clearTimeout(timer), resolve()));
            child.kill('SIGTERM');
          }),
      ),
    );
    if (ownsEmbedded) {
      await stopEmbeddedPostgres(config.database.embedded.dataDir);
      log('embedded Postgres stopped');
    }
    process.exit(exitCode);
  };

  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  launch('api');
  launch('worker');
  log(`order form: ${config.http.publicUrl}/   API docs: ${config.http.publicUrl}/api/docs   (Ctrl-C stops)`);
}
