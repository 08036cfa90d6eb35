import { MigrationInterface, QueryRunner } from 'typeorm';

// Operations of one tenant run in the order they were created. now() is the same for every row
// of a transaction, so two operations started together (a clone's provision and restore) tied;
// clock_timestamp() keeps them apart.
export class OperationOrder1795520000000 implements MigrationInterface {
  name = 'OperationOrder1795520000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "operation" ALTER COLUMN "created_at" SET DEFAULT clock_timestamp()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "operation" ALTER COLUMN "created_at" SET DEFAULT now()`);
  }
}
