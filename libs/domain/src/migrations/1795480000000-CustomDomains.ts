import { MigrationInterface, QueryRunner } from 'typeorm';

// Verified custom domains (pending -> verified -> flagged -> withdrawn) and per-tenant readiness checks.
export class CustomDomains1795480000000 implements MigrationInterface {
  name = 'CustomDomains1795480000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "domain" ADD "flagged_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "domain" ADD "withdrawn_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "domain" ADD "checked_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "domain" ADD "last_check" jsonb NOT NULL DEFAULT '[]'`);
    // "failed" was never written; a custom domain that is not verified is pending
    await queryRunner.query(`UPDATE "domain" SET "verification_state" = 'pending' WHERE "verification_state" NOT IN ('pending', 'verified', 'flagged', 'withdrawn')`);
    // the re-check task walks custom domains by when they were last checked
    await queryRunner.query(`CREATE INDEX "IDX_domain_custom_checked" ON "domain" ("checked_at") WHERE "kind" = 'custom'`);
    await queryRunner.query(
      `CREATE TABLE "tenant_readiness" ("tenant_id" uuid NOT NULL, "checked_at" TIMESTAMP WITH TIME ZONE NOT NULL, "status" character varying(16) NOT NULL, "results" jsonb NOT NULL, "trigger" character varying(16) NOT NULL, "duration_ms" integer NOT NULL, CONSTRAINT "PK_tenant_readiness" PRIMARY KEY ("tenant_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_tenant_readiness_checked" ON "tenant_readiness" ("checked_at")`);
    await queryRunner.query(`ALTER TABLE "tenant_readiness" ADD CONSTRAINT "FK_tenant_readiness_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tenant_readiness" DROP CONSTRAINT "FK_tenant_readiness_tenant"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_tenant_readiness_checked"`);
    await queryRunner.query(`DROP TABLE "tenant_readiness"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_domain_custom_checked"`);
    await queryRunner.query(`UPDATE "domain" SET "verification_state" = 'pending' WHERE "verification_state" IN ('flagged', 'withdrawn')`);
    await queryRunner.query(`ALTER TABLE "domain" DROP COLUMN "last_check"`);
    await queryRunner.query(`ALTER TABLE "domain" DROP COLUMN "checked_at"`);
    await queryRunner.query(`ALTER TABLE "domain" DROP COLUMN "withdrawn_at"`);
    await queryRunner.query(`ALTER TABLE "domain" DROP COLUMN "flagged_at"`);
  }
}
