import { DataSource } from 'typeorm';
import { dataSourceOptions, ENTITIES, migrateDownAll, migrateUp, pendingMigrations } from '#domain';
import { createEmptyDatabase, TestDatabase } from '#test/support/database.js';

describe('migrations on a real Postgres', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createEmptyDatabase();
    dataSource = new DataSource(dataSourceOptions(db.url));
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  const tables = async (): Promise<string[]> =>
    (await dataSource.query(`select table_name from information_schema.tables where table_schema = 'public' order by 1`)).map(
      (row: { table_name: string }) => row.table_name,
    );

  const jobQueueTables = async (): Promise<string[]> =>
    (await dataSource.query(`select table_name from information_schema.tables where table_schema = 'pgboss' order by 1`)).map(
      (row: { table_name: string }) => row.table_name,
    );

  it('runs every migration up on an empty database', async () => {
    expect(await tables()).toEqual([]);
    const applied = await migrateUp(dataSource);
    expect(applied).toEqual(dataSource.migrations.map((m) => m.name));
    expect(await pendingMigrations(dataSource)).toEqual([]);
    const expected = ENTITIES.map((entity) => dataSource.getMetadata(entity).tableName);
    expect(await tables()).toEqual(expect.arrayContaining([...expected, 'schema_migration']));
    expect(await jobQueueTables()).toEqual(expect.arrayContaining(['job', 'queue', 'version']));
  });

  it('leaves a schema that matches the entities exactly (nothing for synchronize to do)', async () => {
    const diff = await dataSource.driver.createSchemaBuilder().log();
    expect(diff.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('is a no-op when run again', async () => {
    expect(await migrateUp(dataSource)).toEqual([]);
  });

  it('runs every migration down again, leaving only the migrations table', async () => {
    const reverted = await migrateDownAll(dataSource);
    expect(reverted).toBe(dataSource.migrations.length);
    expect(await tables()).toEqual(['schema_migration']);
    expect(await jobQueueTables()).toEqual([]);
  });

  it('can go up again after going down', async () => {
    await migrateUp(dataSource);
    expect(await pendingMigrations(dataSource)).toEqual([]);
  });
});
