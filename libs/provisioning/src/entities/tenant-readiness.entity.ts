import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { CheckResult, CheckStatus } from '../domains/check-result.js';
import { Tenant } from './tenant.entity.js';

/** The latest readiness checks of a tenant (DNS, HTTPS, the apps' protocols), with their time. */
@Entity('tenant_readiness')
export class TenantReadiness {
  @PrimaryColumn({ type: 'uuid' })
  tenantId: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'FK_tenant_readiness_tenant' })
  tenant?: Tenant;

  @Index('IDX_tenant_readiness_checked')
  @Column({ type: 'timestamptz' })
  checkedAt: Date;

  /** The worst status of the results. */
  @Column({ type: 'varchar', length: 16 })
  status: CheckStatus;

  @Column({ type: 'jsonb' })
  results: CheckResult[];

  /** daily (the scheduler) or request (someone asked). */
  @Column({ type: 'varchar', length: 16 })
  trigger: 'daily' | 'request';

  @Column({ type: 'integer' })
  durationMs: number;
}
