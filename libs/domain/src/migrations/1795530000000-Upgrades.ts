import { MigrationInterface, QueryRunner } from 'typeorm';

// Upgrades: fleet rollouts and their tenants (upgrade_rollout, upgrade_rollout_target), apps
// pinned at their version, clubs' maintenance windows. WordPress's version id "6" becomes "6.1"
// now that 6.8 is offered too (in service instances and in the versions backups recorded).
export class Upgrades1795530000000 implements MigrationInterface {
  name = 'Upgrades1795530000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "upgrade_rollout" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "app" character varying(32) NOT NULL, "to_version" character varying(32) NOT NULL, "selection" jsonb NOT NULL DEFAULT '{}', "canary_size" integer NOT NULL, "batch_size" integer NOT NULL, "pause_seconds" integer NOT NULL, "max_failures" integer NOT NULL, "urgent" boolean NOT NULL DEFAULT false, "state" character varying(16) NOT NULL, "reason" text, "batches_started" integer NOT NULL DEFAULT '0', "last_batch_finished_at" TIMESTAMP WITH TIME ZONE, "requested_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_6b8a81536aa18c786a949ccc459" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_bd78f819f6132e366a543a822b" ON "upgrade_rollout"  ("state") `);
    await queryRunner.query(
      `CREATE TABLE "upgrade_rollout_target" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "rollout_id" uuid NOT NULL, "tenant_id" uuid NOT NULL, "from_version" character varying(32) NOT NULL, "position" integer NOT NULL, "batch" integer, "state" character varying(16) NOT NULL, "operation_id" uuid, "reason" text, "announced_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_832b134f43d30c6ef65d59284e5" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_47c37eda861b200288752089c0" ON "upgrade_rollout_target"  ("rollout_id", "tenant_id") `);
    await queryRunner.query(`ALTER TABLE "tenant" ADD "maintenance_window" jsonb`);
    await queryRunner.query(`ALTER TABLE "service_instance" ADD "pinned" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "upgrade_rollout_target" ADD CONSTRAINT "FK_d35e1d63dfe10e2ae802fb850cc" FOREIGN KEY ("rollout_id") REFERENCES "upgrade_rollout"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "upgrade_rollout_target" ADD CONSTRAINT "FK_30d00a8074684cbdc87858b5cd8" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await this.renameVersion(queryRunner, 'wordpress', '6', '6.1');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await this.renameVersion(queryRunner, 'wordpress', '6.1', '6');
    await queryRunner.query(`ALTER TABLE "upgrade_rollout_target" DROP CONSTRAINT "FK_30d00a8074684cbdc87858b5cd8"`);
    await queryRunner.query(`ALTER TABLE "upgrade_rollout_target" DROP CONSTRAINT "FK_d35e1d63dfe10e2ae802fb850cc"`);
    await queryRunner.query(`ALTER TABLE "service_instance" DROP COLUMN "pinned"`);
    await queryRunner.query(`ALTER TABLE "tenant" DROP COLUMN "maintenance_window"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_47c37eda861b200288752089c0"`);
    await queryRunner.query(`DROP TABLE "upgrade_rollout_target"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_bd78f819f6132e366a543a822b"`);
    await queryRunner.query(`DROP TABLE "upgrade_rollout"`);
  }

  private async renameVersion(queryRunner: QueryRunner, app: string, from: string, to: string): Promise<void> {
    await queryRunner.query(`UPDATE "service_instance" SET "version" = $3 WHERE "app" = $1 AND "version" = $2`, [app, from, to]);
    await queryRunner.query(
      `UPDATE "backup" SET "snapshots" = (
         SELECT jsonb_agg(CASE WHEN s->>'app' = $1 AND s->>'version' = $2 THEN jsonb_set(s, '{version}', to_jsonb($3::text)) ELSE s END ORDER BY n)
           FROM jsonb_array_elements("snapshots") WITH ORDINALITY AS e(s, n))
       WHERE "snapshots" @> jsonb_build_array(jsonb_build_object('app', $1::text, 'version', $2::text))`,
      [app, from, to],
    );
  }
}
