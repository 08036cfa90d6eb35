import { DataSource, DataSourceOptions } from 'typeorm';
import { dataSourceOptions } from '#platform/database';
import { MIGRATIONS } from '../migrations/index.js';

// The schema is central: every library's tables are created by these migrations, oldest first.

const MIGRATION_LOCK_KEY = 0x616c6d64; // 'almd': one migrator at a time across processes

/** Options for a DataSource that changes the schema: the shared connection options plus every migration. */
export function schemaDataSourceOptions(url: string, overrides: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return dataSourceOptions(url, { migrations: MIGRATIONS, ...overrides });
}

/** Runs pending migrations under an advisory lock, so two processes starting at once do not race. */
export async function migrateUp(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** Reverts every applied migration, newest first (used by tests and `npm run migrate:down`). */
export async function migrateDownAll(dataSource: DataSource): Promise<number> {
  let reverted = 0;
  while ((await appliedMigrationCount(dataSource)) > 0) {
    await dataSource.undoLastMigration({ transaction: 'each' });
    reverted++;
  }
  return reverted;
}

export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    const applied = new Set<string>();
    if (await runner.hasTable('schema_migration')) {
      const rows: { name: string }[] = await runner.query('select name from schema_migration');
      rows.forEach((row) => applied.add(row.name));
    }
    return dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !applied.has(name));
  } finally {
    await runner.release();
  }
}

async function appliedMigrationCount(dataSource: DataSource): Promise<number> {
  const runner = dataSource.createQueryRunner();
  try {
    if (!(await runner.hasTable('schema_migration'))) return 0;
    const [{ count }] = await runner.query('select count(*)::int as count from schema_migration');
    return count;
  } finally {
    await runner.release();
  }
}

/** For api and worker: refuse to run against a schema that is behind (the launcher migrates first). */
export async function checkSchemaOrExit(url: string): Promise<void> {
  const dataSource = new DataSource(schemaDataSourceOptions(url, { extra: { max: 1 } }));
  await dataSource.initialize();
  const pending = await pendingMigrations(dataSource).finally(() => dataSource.destroy());
  if (pending.length > 0) {
    process.stderr.write(`allmende: the database schema is behind (${pending.length} pending migration(s)); run: npm run migrate\n`);
    process.exit(1);
  }
}
