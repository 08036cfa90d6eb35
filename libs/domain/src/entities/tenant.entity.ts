import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { TenantState } from '../lifecycle/tenant-lifecycle.js';
import { DockerHost } from './docker-host.entity.js';
import { Organization } from './organization.entity.js';
import { Plan } from './plan.entity.js';

/** One organization's bundle of apps, with the lifecycle that follows its payments. */
@Entity('tenant')
export class Tenant {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column({ type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  /** Names Docker objects (alm-<slug>-...) and the default subdomain; never changes. */
  @Column({ type: 'varchar', length: 40, unique: true })
  slug: string;

  @Index()
  @Column({ type: 'varchar', length: 24 })
  state: TenantState;

  @Column({ type: 'uuid' })
  planId: string;

  @ManyToOne(() => Plan, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'plan_id' })
  plan?: Plan;

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

  /** Optimistic lock: two writers of the same tenant cannot both win. */
  @VersionColumn()
  version: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
