import { MigrationInterface, QueryRunner } from 'typeorm';

// The edge proxy: where each Docker host publishes (its edge and tenants' fixed ports), what its edge last
// reported; fixed host ports of tenants' published ports (XMPP), advertised in DNS.
export class EdgeAndHostPorts1795490000000 implements MigrationInterface {
  name = 'EdgeAndHostPorts1795490000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "docker_host" ADD "publish_ip" character varying(45)`);
    await queryRunner.query(`ALTER TABLE "docker_host" ADD "edge_state" character varying(16) NOT NULL DEFAULT 'unknown'`);
    await queryRunner.query(`ALTER TABLE "docker_host" ADD "edge_error" text`);
    await queryRunner.query(`ALTER TABLE "docker_host" ADD "edge_checked_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `CREATE TABLE "host_port" ("docker_host_id" uuid NOT NULL, "port" integer NOT NULL, "tenant_id" uuid NOT NULL, "key" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_host_port" PRIMARY KEY ("docker_host_id", "port"), CONSTRAINT "CHK_host_port_port" CHECK ("port" BETWEEN 1 AND 65535))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_host_port_tenant_key" ON "host_port" ("tenant_id", "key")`);
    await queryRunner.query(`ALTER TABLE "host_port" ADD CONSTRAINT "FK_host_port_host" FOREIGN KEY ("docker_host_id") REFERENCES "docker_host"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "host_port" ADD CONSTRAINT "FK_host_port_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "host_port"`);
    await queryRunner.query(`ALTER TABLE "docker_host" DROP COLUMN "edge_checked_at"`);
    await queryRunner.query(`ALTER TABLE "docker_host" DROP COLUMN "edge_error"`);
    await queryRunner.query(`ALTER TABLE "docker_host" DROP COLUMN "edge_state"`);
    await queryRunner.query(`ALTER TABLE "docker_host" DROP COLUMN "publish_ip"`);
  }
}
