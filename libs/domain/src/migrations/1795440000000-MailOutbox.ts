import { MigrationInterface, QueryRunner } from 'typeorm';

// The mail outbox (identity): letters written in the transaction of what they tell about, sent afterwards.
export class MailOutbox1795440000000 implements MigrationInterface {
  name = 'MailOutbox1795440000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "mail_letter" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "template" character varying(64) NOT NULL, "recipient" character varying(254) NOT NULL, "locale" character varying(8) NOT NULL, "sealed_values" text, "state" character varying(16) NOT NULL DEFAULT 'queued', "attempts" integer NOT NULL DEFAULT 0, "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "sent_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_mail_letter" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "mail_letter_due" ON "mail_letter" ("next_attempt_at") WHERE state = 'queued'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."mail_letter_due"`);
    await queryRunner.query(`DROP TABLE "mail_letter"`);
  }
}
