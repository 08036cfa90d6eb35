import { MigrationInterface, QueryRunner } from 'typeorm';

// Provisioning: why a service is not healthy (from the engine's live state), and whether an
// operation failed for a cause that may pass (the reconcile loop retries those, bounded).
export class LiveHealth1795500000000 implements MigrationInterface {
  name = 'LiveHealth1795500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "service_instance" ADD "health_detail" text`);
    await queryRunner.query(`ALTER TABLE "operation" ADD "failure_kind" character varying(16)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "operation" DROP COLUMN "failure_kind"`);
    await queryRunner.query(`ALTER TABLE "service_instance" DROP COLUMN "health_detail"`);
  }
}
