import { randomBytes } from 'node:crypto';
import pg from 'pg';
const TEMPLATE_DATABASE = 'allmende_template';

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.ALLMENDE_TEST_PG_ADMIN_URL;
  if (!url) throw new Error('no test Postgres: run through jest with the integration or e2e project (global setup starts it)');
  return url;
}

/** A fresh, fully migrated database for one test file. */
export function createTestDatabase(): Promise<TestDatabase> {
  return createDatabase(`t_${randomBytes(6).toString('hex')}`, TEMPLATE_DATABASE);
}

/** An empty database (no migrations), for the migration round-trip test. */
export function createEmptyDatabase(): Promise<TestDatabase> {
  return createDatabase(`e_${randomBytes(6).toString('hex')}`);
}

async function createDatabase(name: string, template?: string): Promise<TestDatabase> {
  await adminQuery(`create database ${name}${template ? ` template ${template}` : ''}`);
  return {
    name,
    url: databaseUrl(adminUrl(), name),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
