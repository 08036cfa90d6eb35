import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Tenant } from './tenant.entity.js';

export type BackupKind = 'scheduled' | 'manual' | 'final';
export type BackupState = 'pending' | 'running' | 'completed' | 'failed' | 'expired';

const bigintAsNumber = {
  to: (value: number | null) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** A snapshot of a tenant's data in the backup store. */
@Entity('backup')
@Index(['tenantId', 'createdAt'])
export class Backup {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenantId: string;

  // Backups outlive their tenant's rows only until they expire; RESTRICT keeps a final export from vanishing
  @ManyToOne(() => Tenant, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  @Column({ type: 'varchar', length: 16 })
  kind: BackupKind;

  @Column({ type: 'varchar', length: 16 })
  state: BackupState;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  sizeBytes: number | null;

  /** Where the backup store keeps it (store-specific URI). */
  @Column({ type: 'text', nullable: true })
  location: string | null;

  @Column({ type: 'char', length: 64, nullable: true })
  sha256: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null;
}
