import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Tenant } from './tenant.entity.js';

export type RestoreDrillState = 'running' | 'passed' | 'failed';

/** What one app-level probe of a drill found. */
export interface DrillProbe {
  app: string;
  /** e.g. "xmpp-login", "post-served", "database-rows" */
  probe: string;
  ok: boolean;
  detail: string;
}

/**
 * A restore drill: the latest backup restored into a scratch tenant on an isolated network,
 * probed like a person would use the apps, then removed. Proves the backups restore.
 */
@Entity('restore_drill')
@Index(['tenantId', 'createdAt'])
export class RestoreDrill {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenantId: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  @Column({ type: 'varchar', length: 32 })
  site: string;

  @Column({ type: 'uuid', nullable: true })
  backupId: string | null;

  /** The labels of the scratch objects (allmende.tenant=<this>): only these are removed afterwards. */
  @Column({ type: 'uuid' })
  scratchTenantId: string;

  @Column({ type: 'varchar', length: 16 })
  state: RestoreDrillState;

  @Column({ type: 'jsonb', default: [] })
  probes: DrillProbe[];

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'uuid', nullable: true })
  operationId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ type: 'integer', nullable: true })
  durationMs: number | null;

  /** When the scratch containers, volumes and network were removed. */
  @Column({ type: 'timestamptz', nullable: true })
  cleanedUpAt: Date | null;
}
