// Data source for the TypeORM CLI (`npm run migration:generate -- <Name>`): every library's tables and the central migrations.
import { DataSource } from 'typeorm';
import { BILLING_ENTITIES } from '#billing';
import { CATALOG_ENTITIES } from '#catalog';
import { AuditEvent, schemaDataSourceOptions } from '#domain';
import { IDENTITY_ENTITIES } from '#identity';
import { loadConfig } from '#platform';
import { resolveDatabaseUrl } from '#platform/database';
import { PROVISIONING_ENTITIES } from '#provisioning';

const url = await resolveDatabaseUrl(loadConfig());
export default new DataSource(
  schemaDataSourceOptions(url, { entities: [AuditEvent, ...IDENTITY_ENTITIES, ...CATALOG_ENTITIES, ...PROVISIONING_ENTITIES, ...BILLING_ENTITIES] }),
);
