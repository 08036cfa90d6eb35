import { MigrationInterface, QueryRunner } from 'typeorm';

// Mail that says what to do next (#9): a payment reference per order (AM-2026-0042, numbered per
// year, existing orders numbered in the order they were placed), the language of each account's
// letters, and a natural key per letter so the same news is queued once.
export class MailLettersAndReferences1795600000000 implements MigrationInterface {
  name = 'MailLettersAndReferences1795600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "account" ADD "locale" character varying(8) NOT NULL DEFAULT 'en'`);
    await queryRunner.query(`ALTER TABLE "mail_letter" ADD "dedup_key" character varying(512)`);
    await queryRunner.query(`CREATE UNIQUE INDEX "mail_letter_dedup_key" ON "mail_letter" ("dedup_key") WHERE dedup_key IS NOT NULL`);

    await queryRunner.query(
      `CREATE TABLE "order_reference_counter" ("year" integer NOT NULL, "last_number" integer NOT NULL, CONSTRAINT "PK_order_reference_counter" PRIMARY KEY ("year"))`,
    );
    await queryRunner.query(`ALTER TABLE "order" ADD "reference" character varying(24)`);
    // the year an order was placed (UTC), and its place among that year's orders
    await queryRunner.query(
      `WITH numbered AS (
         SELECT id, extract(year FROM created_at AT TIME ZONE 'UTC')::int AS year,
                row_number() OVER (PARTITION BY extract(year FROM created_at AT TIME ZONE 'UTC') ORDER BY created_at, id) AS n
           FROM "order")
       UPDATE "order" SET "reference" = 'AM-' || numbered.year || '-' || lpad(numbered.n::text, greatest(4, length(numbered.n::text)), '0')
         FROM numbered WHERE "order".id = numbered.id`,
    );
    await queryRunner.query(
      `INSERT INTO "order_reference_counter" ("year", "last_number")
       SELECT extract(year FROM created_at AT TIME ZONE 'UTC')::int, count(*) FROM "order" GROUP BY 1`,
    );
    await queryRunner.query(`ALTER TABLE "order" ALTER COLUMN "reference" SET NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "order_reference" ON "order" ("reference")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."order_reference"`);
    await queryRunner.query(`ALTER TABLE "order" DROP COLUMN "reference"`);
    await queryRunner.query(`DROP TABLE "order_reference_counter"`);
    await queryRunner.query(`DROP INDEX "public"."mail_letter_dedup_key"`);
    await queryRunner.query(`ALTER TABLE "mail_letter" DROP COLUMN "dedup_key"`);
    await queryRunner.query(`ALTER TABLE "account" DROP COLUMN "locale"`);
  }
}
