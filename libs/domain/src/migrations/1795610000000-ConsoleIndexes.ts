import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the operators' lists, each read a page at a time in its sort order (keyset
 * pagination: created_at, id), so a page costs the same with 10,000 tenants as with 100:
 * tenants by state, host or app/version; orders by state (and the bank transfers waiting for
 * their money); failed operations; subscriptions by order and by due date; organizations;
 * every tenant's backups per site, the most failures first.
 */
export class ConsoleIndexes1795610000000 implements MigrationInterface {
  name = 'ConsoleIndexes1795610000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_tenant_created" ON "tenant" ("created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_tenant_state_created" ON "tenant" ("state", "created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_tenant_host_created" ON "tenant" ("docker_host_id", "created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_service_instance_app_version" ON "service_instance" ("app", "version", "tenant_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_operation_created" ON "operation" ("created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_operation_state_created" ON "operation" ("state", "created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_order_created" ON "order" ("created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_order_state_created" ON "order" ("state", "created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_order_state_provider_created" ON "order" ("state", "payment_provider", "created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_subscription_order" ON "subscription" ("order_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_subscription_due" ON "subscription" ("provider", "status", "current_period_end")`);
    await queryRunner.query(`CREATE INDEX "IDX_organization_created" ON "organization" ("created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_backup_site_state_failures" ON "backup_site_state" ("consecutive_failures", "tenant_id", "site")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of [
      'IDX_backup_site_state_failures',
      'IDX_organization_created',
      'IDX_subscription_due',
      'IDX_subscription_order',
      'IDX_order_state_provider_created',
      'IDX_order_state_created',
      'IDX_order_created',
      'IDX_operation_state_created',
      'IDX_operation_created',
      'IDX_service_instance_app_version',
      'IDX_tenant_host_created',
      'IDX_tenant_state_created',
      'IDX_tenant_created',
    ]) {
      await queryRunner.query(`DROP INDEX "public"."${index}"`);
    }
  }
}
