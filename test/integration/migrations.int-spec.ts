import { DataSource } from 'typeorm';
import { BILLING_ENTITIES } from '#billing';
import { CATALOG_ENTITIES } from '#catalog';
import { AuditEvent, migrateDownAll, migrateUp, pendingMigrations, schemaDataSourceOptions } from '#domain';
import { IDENTITY_ENTITIES, MailLetter } from '#identity';
import { PROVISIONING_ENTITIES } from '#provisioning';

/** Every library's tables: the central migrations must create each of them. */
const ENTITIES = [AuditEvent, MailLetter, ...IDENTITY_ENTITIES, ...CATALOG_ENTITIES, ...PROVISIONING_ENTITIES, ...BILLING_ENTITIES];
import { createEmptyDatabase, TestDatabase } from '#test/support/database.js';

describe('migrations on a real Postgres', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createEmptyDatabase();
    dataSource = new DataSource(schemaDataSourceOptions(db.url, { entities: ENTITIES }));
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

  it('leaves a schema that matches the entities exactly (nothing for synchronize to do but the cross-library keys)', async () => {
    const diff = await dataSource.driver.createSchemaBuilder().log();
    // Entities declare relations only inside their own library; the foreign keys between
    // libraries' tables are kept by the migrations, so synchronize would (wrongly) drop exactly those.
    const foreignKeys: { name: string; table: string; column: string; references: string }[] = await dataSource.query(
      `select tc.constraint_name as name, tc.table_name as table, kcu.column_name as column, ccu.table_name as references
         from information_schema.table_constraints tc
         join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name
         join information_schema.constraint_column_usage ccu on ccu.constraint_name = tc.constraint_name
        where tc.constraint_type = 'FOREIGN KEY' and tc.table_schema = 'public'`,
    );
    const dropped = diff.upQueries.map((query) => {
      const match = /^ALTER TABLE "(\w+)" DROP CONSTRAINT "(\w+)"$/.exec(query.query);
      const key = match && foreignKeys.find((candidate) => candidate.name === match[2] && candidate.table === match[1]);
      return key ? `${key.table}.${key.column} -> ${key.references}` : query.query;
    });
    expect(dropped.sort()).toEqual([
      'order.organization_id -> organization',
      'order.plan_id -> plan',
      'order.tenant_id -> tenant',
      'subscription.organization_id -> organization',
      'subscription.tenant_id -> tenant',
      'tenant.organization_id -> organization',
      'tenant.plan_id -> plan',
    ]);
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
