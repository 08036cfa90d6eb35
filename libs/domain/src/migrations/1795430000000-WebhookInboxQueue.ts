import { MigrationInterface, QueryRunner } from 'typeorm';

/** The webhook inbox becomes its own queue: a backoff time per event and an index of pending ones. */
export class WebhookInboxQueue1795430000000 implements MigrationInterface {
  name = 'WebhookInboxQueue1795430000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_event" ADD "next_attempt_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`DROP INDEX "public"."IDX_6af36ccfefbb444ce1902c781c"`);
    await queryRunner.query(`CREATE INDEX "webhook_event_pending" ON "webhook_event" ("event_created_at") WHERE processed_at IS NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."webhook_event_pending"`);
    await queryRunner.query(`CREATE INDEX "IDX_6af36ccfefbb444ce1902c781c" ON "webhook_event" ("processed_at")`);
    await queryRunner.query(`ALTER TABLE "webhook_event" DROP COLUMN "next_attempt_at"`);
  }
}
