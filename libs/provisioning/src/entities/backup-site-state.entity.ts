import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Tenant } from './tenant.entity.js';

/**
 * Where a tenant's backups on one site stand: its repository (password sealed), when the next
 * backup, check and drill are due, and the failures since the last success (retries back off;
 * after a few in a row operators get a mail).
 */
@Entity('backup_site_state')
@Index(['nextBackupAt'])
@Index('IDX_backup_site_state_failures', ['consecutiveFailures', 'tenantId', 'site'])
export class BackupSiteState {
  @PrimaryColumn({ type: 'uuid' })
  tenantId: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  site: string;

  /** The restic repository's password, generated with node:crypto and sealed; never leaves this process otherwise. */
  @Column({ type: 'text', select: false })
  sealedPassword: string;

  /** When the repository was seen to exist and open with the password. */
  @Column({ type: 'timestamptz', nullable: true })
  repositoryReadyAt: Date | null;

  @Column({ type: 'timestamptz' })
  nextBackupAt: Date;

  /** After a failure: the retry (backoff); null when the daily time applies. */
  @Column({ type: 'timestamptz', nullable: true })
  retryAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null;

  @Column({ type: 'uuid', nullable: true })
  lastBackupId: string | null;

  @Column({ type: 'integer', default: 0 })
  consecutiveFailures: number;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  @Column({ type: 'varchar', length: 48, nullable: true })
  lastErrorCode: string | null;

  /** Operators were told about the current run of failures (cleared by a success). */
  @Column({ type: 'timestamptz', nullable: true })
  alertedAt: Date | null;

  @Column({ type: 'timestamptz' })
  nextCheckAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  lastCheckAt: Date | null;

  @Column({ type: 'boolean', nullable: true })
  lastCheckOk: boolean | null;

  @Column({ type: 'text', nullable: true })
  lastCheckError: string | null;

  /** Restore drills run from the tenant's first site only; null on the others. */
  @Column({ type: 'timestamptz', nullable: true })
  nextDrillAt: Date | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
