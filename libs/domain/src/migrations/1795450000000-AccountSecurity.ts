import { MigrationInterface, QueryRunner } from 'typeorm';

// Hardening: verified email addresses, one-time account links, clubs confirmed as customers, rate limits in Postgres.
export class AccountSecurity1795450000000 implements MigrationInterface {
  name = 'AccountSecurity1795450000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "account" ADD "email_verified_at" TIMESTAMP WITH TIME ZONE`);
    // accounts from before verification existed were made by operators or proved by an accepted invitation link
    await queryRunner.query(`UPDATE "account" SET "email_verified_at" = "created_at" WHERE "is_operator" OR "id" IN (SELECT "accepted_by" FROM "invitation" WHERE "accepted_by" IS NOT NULL)`);
    await queryRunner.query(`ALTER TABLE "organization" ADD "confirmed_at" TIMESTAMP WITH TIME ZONE`);
    // existing clubs: confirmed unless they only have unpaid orders
    await queryRunner.query(
      `UPDATE "organization" o SET "confirmed_at" = o."created_at"
        WHERE NOT EXISTS (SELECT 1 FROM "order" r WHERE r."organization_id" = o."id") OR EXISTS (SELECT 1 FROM "order" r WHERE r."organization_id" = o."id" AND r."paid_at" IS NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE TABLE "account_token" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "account_id" uuid NOT NULL, "purpose" character varying(16) NOT NULL, "token_hash" character(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_account_token" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_account_token_account" ON "account_token" ("account_id")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_account_token_hash" ON "account_token" ("token_hash")`);
    await queryRunner.query(`ALTER TABLE "account_token" ADD CONSTRAINT "FK_account_token_account" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(
      `CREATE TABLE "rate_limit" ("key" character varying(200) NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "count" integer NOT NULL DEFAULT 0, CONSTRAINT "PK_rate_limit" PRIMARY KEY ("key", "window_start"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "rate_limit"`);
    await queryRunner.query(`ALTER TABLE "account_token" DROP CONSTRAINT "FK_account_token_account"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_account_token_hash"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_account_token_account"`);
    await queryRunner.query(`DROP TABLE "account_token"`);
    await queryRunner.query(`ALTER TABLE "organization" DROP COLUMN "confirmed_at"`);
    await queryRunner.query(`ALTER TABLE "account" DROP COLUMN "email_verified_at"`);
  }
}
