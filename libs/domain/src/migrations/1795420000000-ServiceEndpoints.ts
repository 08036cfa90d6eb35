import { MigrationInterface, QueryRunner } from 'typeorm';

/** Where each app's published ports ended up on its Docker host. */
export class ServiceEndpoints1795420000000 implements MigrationInterface {
  name = 'ServiceEndpoints1795420000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "service_instance" ADD "endpoints" jsonb NOT NULL DEFAULT '[]'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "service_instance" DROP COLUMN "endpoints"`);
  }
}
