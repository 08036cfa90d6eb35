import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { DockerHost } from './docker-host.entity.js';
import { Tenant } from './tenant.entity.js';

/** A host port given to one published port of a tenant (e.g. XMPP's 5222), fixed for the tenant's life on that host. */
@Entity('host_port')
@Check('CHK_host_port_port', '"port" BETWEEN 1 AND 65535')
@Index('IDX_host_port_tenant_key', ['tenantId', 'key'], { unique: true })
export class HostPort {
  @PrimaryColumn({ type: 'uuid' })
  dockerHostId: string;

  @ManyToOne(() => DockerHost, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'docker_host_id', foreignKeyConstraintName: 'FK_host_port_host' })
  dockerHost?: DockerHost;

  @PrimaryColumn({ type: 'integer' })
  port: number;

  @Column({ type: 'uuid' })
  tenantId: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'FK_host_port_tenant' })
  tenant?: Tenant;

  /** "<app>/<service>:<container port>/<protocol>". */
  @Column({ type: 'varchar', length: 64 })
  key: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
