import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Plans say what they include and whether VAT is in the price, in more than one language. */
export class PlanContents1795650000000 implements MigrationInterface {
  name = 'PlanContents1795650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "plan" ADD "translations" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "plan" ADD "includes" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "plan" ADD "vat_included" boolean NOT NULL DEFAULT true`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "plan" DROP COLUMN "vat_included"`);
    await queryRunner.query(`ALTER TABLE "plan" DROP COLUMN "includes"`);
    await queryRunner.query(`ALTER TABLE "plan" DROP COLUMN "translations"`);
  }
}
