import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Tenant } from './tenant.entity.js';

/** The engine's snapshot kinds (restic tags): retention keeps each kind's own daily, weekly, monthly set. */
export type BackupKind = 'scheduled' | 'manual' | 'pre-upgrade' | 'final';
export type BackupState = 'running' | 'succeeded' | 'failed' | 'forgotten';

/** One app's snapshot within a backup. */
export interface BackupSnapshot {
  app: string;
  /** The app's template version when the snapshot was made (restores render the same version). */
  version: string;
  snapshotId: string;
  totalBytes: number;
  bytesAdded: number;
  files: number;
  /** restic could not read some files: the snapshot lacks them. */
  incomplete: boolean;
}

export const bigintAsNumber = {
  to: (value: number | null) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/**
 * One backup of a tenant on one backup site: a restic snapshot per app (tagged tenant, app,
 * kind) in the tenant's own repository there, plus the apps' secrets as they were, sealed.
 */
@Entity('backup')
@Index(['tenantId', 'site', 'createdAt'])
export class Backup {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenantId: string;

  // The tenant row stays (terminated) after its data is deleted; RESTRICT keeps history honest
  @ManyToOne(() => Tenant, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  /** The backup site's name in the operator's configuration. */
  @Column({ type: 'varchar', length: 32 })
  site: string;

  @Column({ type: 'varchar', length: 16 })
  kind: BackupKind;

  @Column({ type: 'varchar', length: 16 })
  state: BackupState;

  @Column({ type: 'jsonb', default: [] })
  snapshots: BackupSnapshot[];

  /** app -> its secrets at backup time (the keys its data was made with), sealed: a restore brings them back. */
  @Column({ type: 'text', nullable: true, select: false })
  sealedSecrets: string | null;

  /** Size of all files in the snapshots. */
  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  sizeBytes: number | null;

  /** Why it is there, when not the schedule: "safety snapshot before restore ..." */
  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** The engine's code (backup.site_unreachable, backup.empty_input...) or the step that failed. */
  @Column({ type: 'varchar', length: 48, nullable: true })
  errorCode: string | null;

  @Column({ type: 'uuid', nullable: true })
  operationId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ type: 'integer', nullable: true })
  durationMs: number | null;
}
