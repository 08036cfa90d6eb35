import { DataSource } from 'typeorm';
import { migrateDownAll, migrateUp, schemaDataSourceOptions } from '#domain';

export async function runMigrations(url: string, log: (line: string) => void): Promise<void> {
  const dataSource = new DataSource(schemaDataSourceOptions(url, { extra: { max: 2 } }));
  await dataSource.initialize();
  try {
    const applied = await migrateUp(dataSource);
    log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database schema is up to date');
  } finally {
    await dataSource.destroy();
  }
}

export async function revertMigrations(url: string, all: boolean, log: (line: string) => void): Promise<void> {
  const dataSource = new DataSource(schemaDataSourceOptions(url, { extra: { max: 2 } }));
  await dataSource.initialize();
  try {
    if (all) {
      log(`reverted ${await migrateDownAll(dataSource)} migration(s)`);
    } else {
      await dataSource.undoLastMigration({ transaction: 'each' });
      log('reverted the last migration');
    }
  } finally {
    await dataSource.destroy();
  }
}
