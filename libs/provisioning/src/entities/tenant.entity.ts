import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { TenantState } from '#domain';
import { DockerHost } from './docker-host.entity.js';

/** One organization's bundle of apps, with the lifecycle that follows its payments. */
/** Weekly, in UTC: ISO weekday (1 = Monday), the hour it opens, how many hours it stays open. */
export interface MaintenanceWindow {
  weekday: number;
  hour: number;
  hours: number;
}

@Entity('tenant')
// the operators' list, a page at a time (see migration ConsoleIndexes)
@Index('IDX_tenant_created', ['createdAt', 'id'])
@Index('IDX_tenant_state_created', ['state', 'createdAt', 'id'])
@Index('IDX_tenant_host_created', ['dockerHostId', 'createdAt', 'id'])
export class Tenant {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The club (identity's organization); the foreign key is in the migrations. */
  @Index()
  @Column({ type: 'uuid' })
  organizationId: string;

  /** Names Docker objects (alm-<slug>-...) and the default subdomain; never changes. */
  @Column({ type: 'varchar', length: 40, unique: true })
  slug: string;

  @Index()
  @Column({ type: 'varchar', length: 24 })
  state: TenantState;

  /** The catalog's plan; the foreign key is in the migrations. */
  @Column({ type: 'uuid' })
  planId: string;

  @Column({ type: 'varchar', length: 253, nullable: true })
  primaryDomain: string | null;

  @Column({ type: 'uuid', nullable: true })
  dockerHostId: string | null;

  @ManyToOne(() => DockerHost, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'docker_host_id' })
  dockerHost?: DockerHost | null;

  @Column({ type: 'timestamptz' })
  stateChangedAt: Date;

  /** past_due: the tenant keeps running until then. */
  @Column({ type: 'timestamptz', nullable: true })
  graceEndsAt: Date | null;

  /** terminating: the final export is kept until then, then everything is deleted. */
  @Column({ type: 'timestamptz', nullable: true })
  deleteDataAfter: Date | null;

  @Column({ type: 'text', nullable: true })
  failureReason: string | null;

  /** The club's weekly maintenance window (UTC) for planned upgrades; null: any time. */
  @Column({ type: 'jsonb', nullable: true })
  maintenanceWindow: MaintenanceWindow | null;

  /** Optimistic lock: two writers of the same tenant cannot both win. */
  @VersionColumn()
  version: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
