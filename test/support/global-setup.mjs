// Jest global setup (plain JS: Jest loads it outside its module mapper, so it uses the
// compiled code in dist/; `npm test` builds first).
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DataSource } from 'typeorm';

export const TEMPLATE_DATABASE = 'allmende_template';
const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * One real Postgres per test run (embedded, fsync off), unless ALLMENDE_TEST_DATABASE_URL
 * names a server to use. Migrations run once into a template database; each test file
 * clones it (CREATE DATABASE ... TEMPLATE), which takes milliseconds.
 */
export default async function globalSetup() {
  if (process.env.ALLMENDE_TEST_PG_ADMIN_URL) return; // another project of this run set it up
  assertBuildIsFresh();
  const { ensureEmbeddedPostgres, stopEmbeddedPostgres } = await import(join(root, 'dist/libs/platform/src/database/index.js'));
  const { schemaDataSourceOptions, migrateUp } = await import(join(root, 'dist/libs/domain/src/index.js'));

  let adminUrl = process.env.ALLMENDE_TEST_DATABASE_URL;
  if (!adminUrl) {
    await removeAbandonedClusters(stopEmbeddedPostgres);
    const dir = mkdtempSync(join(tmpdir(), 'allmende-test-pg-'));
    writeFileSync(join(dir, 'owner.pid'), String(process.pid));
    chmodSync(dir, 0o755); // as root, the postgres user must reach its data directory
    const handle = await ensureEmbeddedPostgres({
      dataDir: join(dir, 'pg'),
      stateFile: join(dir, 'pg.json'),
      port: 55000 + Math.floor(Math.random() * 5000),
      database: 'postgres',
      fast: true,
    });
    adminUrl = handle.url;
    process.env.ALLMENDE_TEST_PG_DIR = dir;
  }
  process.env.ALLMENDE_TEST_PG_ADMIN_URL = adminUrl;

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
  await admin.query(`create database ${TEMPLATE_DATABASE}`);
  await admin.end();

  const dataSource = new DataSource(schemaDataSourceOptions(databaseUrl(adminUrl, TEMPLATE_DATABASE)));
  await dataSource.initialize();
  await migrateUp(dataSource);
  await dataSource.destroy();
}

export function databaseUrl(serverUrl, database) {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A run that was killed cannot tear down its server (it runs detached): the next run does. */
async function removeAbandonedClusters(stopEmbeddedPostgres) {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith('allmende-test-pg-')) continue;
    const dir = join(tmpdir(), entry);
    let owner = 0;
    try {
      owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
    } catch {
      continue; // being created right now, or not ours
    }
    if (owner && isAlive(owner)) continue;
    await stopEmbeddedPostgres(join(dir, 'pg')).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** The template schema comes from dist/; refuse to test against migrations older than the sources. */
function assertBuildIsFresh() {
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const path = join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  let built = 0;
  try {
    built = statSync(join(root, 'dist/libs/domain/src/migrations/index.js')).mtimeMs;
  } catch {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it for you)');
  }
  const sources = newest(join(root, 'libs/domain/src/migrations'));
  if (sources > built) throw new Error('dist/ is older than the migrations: run `npm run build` (npm test does it for you)');
}
