import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from './backup.entity.js';
import { Tenant } from './tenant.entity.js';

export type TenantExportState = 'pending' | 'running' | 'completed' | 'failed' | 'expired';

/** An owner's export: one archive of the club's data for a plain upstream install, kept for a few days. */
@Entity('tenant_export')
@Index(['tenantId', 'createdAt'])
export class TenantExport {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenantId: string;

  @ManyToOne(() => Tenant, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  @Column({ type: 'varchar', length: 16 })
  state: TenantExportState;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  sizeBytes: number | null;

  /** Where the export store keeps the archive (store-specific URI). */
  @Column({ type: 'text', nullable: true })
  location: string | null;

  @Column({ type: 'char', length: 64, nullable: true })
  sha256: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'uuid', nullable: true })
  operationId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null;
}
