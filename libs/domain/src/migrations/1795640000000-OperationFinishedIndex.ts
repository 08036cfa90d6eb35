import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /metrics counts finished operations by kind and outcome. The operation table grows by a
 * backup a day per tenant, so each scrape reads only the operations finished since the last one
 * (provisioning's FinishedOperations keeps the totals before that): this index finds them.
 */
export class OperationFinishedIndex1795640000000 implements MigrationInterface {
  name = 'OperationFinishedIndex1795640000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_operation_finished" ON "operation" ("finished_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_operation_finished"`);
  }
}
