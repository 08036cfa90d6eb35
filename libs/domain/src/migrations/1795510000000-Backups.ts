import { MigrationInterface, QueryRunner } from 'typeorm';

// Backups that restore: restic snapshots per tenant and site (backup), where each tenant's backups
// stand per site (backup_site_state), restore drills (restore_drill), and owners' export archives,
// which were the old "backup" rows (moved to tenant_export). Operations get an input.
export class Backups1795510000000 implements MigrationInterface {
  name = 'Backups1795510000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "tenant_export" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "state" character varying(16) NOT NULL, "size_bytes" bigint, "location" text, "sha256" character(64), "error" text, "operation_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "completed_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_b35ec8060df49c7ee86fcfb1593" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_856b9e6ed97022f6b4f7aed8e4" ON "tenant_export" ("tenant_id", "created_at") `);
    await queryRunner.query(`ALTER TABLE "tenant_export" ADD CONSTRAINT "FK_a32b61412b0b79096629224a9a5" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    // the old rows were export archives in the export store: they stay downloadable as exports
    await queryRunner.query(
      `INSERT INTO "tenant_export" ("id", "tenant_id", "state", "size_bytes", "location", "sha256", "error", "created_at", "completed_at", "expires_at")
       SELECT "id", "tenant_id", "state", "size_bytes", "location", "sha256", "error", "created_at", "completed_at", "expires_at" FROM "backup"`,
    );
    await queryRunner.query(`DELETE FROM "backup"`);

    await queryRunner.query(`DROP INDEX "public"."IDX_31ab5a66e613ee8d8680432b0b"`);
    for (const column of ['completed_at', 'expires_at', 'location', 'sha256']) await queryRunner.query(`ALTER TABLE "backup" DROP COLUMN "${column}"`);
    await queryRunner.query(`ALTER TABLE "backup" ADD "site" character varying(32) NOT NULL`);
    await queryRunner.query(`ALTER TABLE "backup" ADD "snapshots" jsonb NOT NULL DEFAULT '[]'`);
    await queryRunner.query(`ALTER TABLE "backup" ADD "sealed_secrets" text`);
    await queryRunner.query(`ALTER TABLE "backup" ADD "note" text`);
    await queryRunner.query(`ALTER TABLE "backup" ADD "error_code" character varying(48)`);
    await queryRunner.query(`ALTER TABLE "backup" ADD "operation_id" uuid`);
    await queryRunner.query(`ALTER TABLE "backup" ADD "finished_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "backup" ADD "duration_ms" integer`);
    await queryRunner.query(`CREATE INDEX "IDX_9e3d813bb8e4c90c02ba91465d" ON "backup" ("tenant_id", "site", "created_at") `);

    await queryRunner.query(
      `CREATE TABLE "backup_site_state" ("tenant_id" uuid NOT NULL, "site" character varying(32) NOT NULL, "sealed_password" text NOT NULL, "repository_ready_at" TIMESTAMP WITH TIME ZONE, "next_backup_at" TIMESTAMP WITH TIME ZONE NOT NULL, "retry_at" TIMESTAMP WITH TIME ZONE, "last_attempt_at" TIMESTAMP WITH TIME ZONE, "last_success_at" TIMESTAMP WITH TIME ZONE, "last_backup_id" uuid, "consecutive_failures" integer NOT NULL DEFAULT '0', "last_error" text, "last_error_code" character varying(48), "alerted_at" TIMESTAMP WITH TIME ZONE, "next_check_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_check_at" TIMESTAMP WITH TIME ZONE, "last_check_ok" boolean, "last_check_error" text, "next_drill_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5157b1c7146c58454a1859e117a" PRIMARY KEY ("tenant_id", "site"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_8aec3cc743679b5985cc991caa" ON "backup_site_state" ("next_backup_at") `);
    await queryRunner.query(`ALTER TABLE "backup_site_state" ADD CONSTRAINT "FK_9e9abf8c7f4090056a7570003c7" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await queryRunner.query(
      `CREATE TABLE "restore_drill" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "site" character varying(32) NOT NULL, "backup_id" uuid, "scratch_tenant_id" uuid NOT NULL, "state" character varying(16) NOT NULL, "probes" jsonb NOT NULL DEFAULT '[]', "error" text, "operation_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, "duration_ms" integer, "cleaned_up_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_5061ac7c2afac0052a5d68aab63" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_56708b2154123b8e39868f5bf8" ON "restore_drill" ("tenant_id", "created_at") `);
    await queryRunner.query(`ALTER TABLE "restore_drill" ADD CONSTRAINT "FK_45ea772d8f0b170b49a866441c1" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await queryRunner.query(`ALTER TABLE "operation" ADD "input" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "operation" DROP COLUMN "input"`);
    await queryRunner.query(`ALTER TABLE "restore_drill" DROP CONSTRAINT "FK_45ea772d8f0b170b49a866441c1"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_56708b2154123b8e39868f5bf8"`);
    await queryRunner.query(`DROP TABLE "restore_drill"`);
    await queryRunner.query(`ALTER TABLE "backup_site_state" DROP CONSTRAINT "FK_9e9abf8c7f4090056a7570003c7"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_8aec3cc743679b5985cc991caa"`);
    await queryRunner.query(`DROP TABLE "backup_site_state"`);
    // restic records have no place in the old table; exports go back to it
    await queryRunner.query(`DELETE FROM "backup"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_9e3d813bb8e4c90c02ba91465d"`);
    for (const column of ['duration_ms', 'finished_at', 'operation_id', 'error_code', 'note', 'sealed_secrets', 'snapshots', 'site']) {
      await queryRunner.query(`ALTER TABLE "backup" DROP COLUMN "${column}"`);
    }
    await queryRunner.query(`ALTER TABLE "backup" ADD "sha256" character(64)`);
    await queryRunner.query(`ALTER TABLE "backup" ADD "location" text`);
    await queryRunner.query(`ALTER TABLE "backup" ADD "expires_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "backup" ADD "completed_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`CREATE INDEX "IDX_31ab5a66e613ee8d8680432b0b" ON "backup" ("tenant_id", "created_at") `);
    await queryRunner.query(
      `INSERT INTO "backup" ("id", "tenant_id", "kind", "state", "size_bytes", "location", "sha256", "error", "created_at", "completed_at", "expires_at")
       SELECT "id", "tenant_id", 'manual', "state", "size_bytes", "location", "sha256", "error", "created_at", "completed_at", "expires_at" FROM "tenant_export"`,
    );
    await queryRunner.query(`ALTER TABLE "tenant_export" DROP CONSTRAINT "FK_a32b61412b0b79096629224a9a5"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_856b9e6ed97022f6b4f7aed8e4"`);
    await queryRunner.query(`DROP TABLE "tenant_export"`);
  }
}
