import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { migrateUp, schemaDataSourceOptions } from '#domain';
import { AccountsService } from '#identity';
import { loadConfig } from '#platform';
import { ensureEmbeddedPostgres, stopEmbeddedPostgres } from '#platform/database';
import { createApiApp } from '../../apps/api/src/api-app.js';

/** A control plane for a benchmark: its own embedded Postgres, the API in this process, the worker as a process of its own. */
export interface BenchControlPlane {
  api: NestExpressApplication;
  apiUrl: string;
  worker: ChildProcess;
  /** An operator's bearer token. */
  token: string;
  /** A JSON call to the API (as the operator unless `token` is null); throws on a non-2xx answer. */
  call(method: string, path: string, body?: object, token?: string | null): Promise<any>;
  close(): Promise<void>;
}

export async function startBenchControlPlane(env: Record<string, string>): Promise<BenchControlPlane> {
  const workDir = mkdtempSync(join(tmpdir(), 'allmende-bench-'));
  chmodSync(workDir, 0o755); // as root, the postgres user must reach its data directory
  const pg = await ensureEmbeddedPostgres({ dataDir: join(workDir, 'pg'), stateFile: join(workDir, 'pg.json'), port: 56000 + Math.floor(Math.random() * 3000), fast: true });
  const migrations = new DataSource(schemaDataSourceOptions(pg.url));
  await migrations.initialize();
  await migrateUp(migrations);
  await migrations.destroy();
  const fullEnv = { NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: pg.url, ALLMENDE_DATA_DIR: workDir, ALLMENDE_SECRET_KEY: randomBytes(32).toString('base64'), ...env };
  const api = await createApiApp(loadConfig(fullEnv), pg.url);
  await api.listen(0, '127.0.0.1');
  const apiUrl = await api.getUrl();
  const worker = spawn(process.execPath, [join(process.cwd(), 'dist/apps/worker/src/main.js')], { env: { PATH: process.env.PATH, ...fullEnv, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
  await waitForOutput(worker, 'Allmende worker started');

  const call = async (method: string, path: string, body?: object, token?: string | null): Promise<any> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const email = 'bench-operator@coop.example';
  const password = randomBytes(12).toString('hex');
  await api.get(AccountsService).create({ email, password, isOperator: true });
  const token = (await call('POST', '/api/v1/auth/login', { email, password })).token as string;

  return {
    api,
    apiUrl,
    worker,
    token,
    call: (method, path, body, as) => call(method, path, body, as === null ? undefined : (as ?? token)),
    async close() {
      worker.kill('SIGTERM');
      await new Promise((resolve) => (worker.exitCode !== null ? resolve(null) : worker.once('exit', resolve)));
      await api.close();
      await stopEmbeddedPostgres(join(workDir, 'pg'));
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

function waitForOutput(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${seen.slice(-2000)}`)));
  });
}
