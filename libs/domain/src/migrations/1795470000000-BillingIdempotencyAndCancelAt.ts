import { MigrationInterface, QueryRunner } from 'typeorm';

/** Billing: a subscription's scheduled cancellation date (Stripe's cancel_at), and the Idempotency-Keys of operators' bank-transfer requests. */
export class BillingIdempotencyAndCancelAt1795470000000 implements MigrationInterface {
  name = 'BillingIdempotencyAndCancelAt1795470000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "subscription" ADD "cancel_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `CREATE TABLE "manual_payment_request" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "order_id" uuid NOT NULL, "idempotency_key" character varying(255) NOT NULL, "fingerprint" character varying(255) NOT NULL, "response" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_89334af5ceacae42bab96a02294" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_45b94f2272d140b387bb554e09" ON "manual_payment_request" ("order_id", "idempotency_key")`);
    await queryRunner.query(
      `ALTER TABLE "manual_payment_request" ADD CONSTRAINT "FK_65a42a5a7aba8b2d135c580e90b" FOREIGN KEY ("order_id") REFERENCES "order"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "manual_payment_request" DROP CONSTRAINT "FK_65a42a5a7aba8b2d135c580e90b"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_45b94f2272d140b387bb554e09"`);
    await queryRunner.query(`DROP TABLE "manual_payment_request"`);
    await queryRunner.query(`ALTER TABLE "subscription" DROP COLUMN "cancel_at"`);
  }
}
