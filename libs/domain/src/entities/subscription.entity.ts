import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { PaymentProvider } from './order.entity.js';
import { Organization } from './organization.entity.js';
import { Tenant } from './tenant.entity.js';

/** Stripe's statuses; the manual provider uses the same vocabulary. */
export type SubscriptionStatus =
  | 'incomplete'
  | 'incomplete_expired'
  | 'trialing'
  | 'active'
  | 'past_due'
  | 'unpaid'
  | 'canceled'
  | 'paused';

/** The recurring payment that keeps a tenant running. */
@Entity('subscription')
@Index(['provider', 'providerSubscriptionId'], { unique: true })
export class Subscription {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column({ type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  @Index()
  @Column({ type: 'uuid', nullable: true })
  tenantId: string | null;

  @ManyToOne(() => Tenant, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant | null;

  @Column({ type: 'uuid', nullable: true })
  orderId: string | null;

  @Column({ type: 'varchar', length: 16 })
  provider: PaymentProvider;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerCustomerId: string | null;

  @Column({ type: 'varchar', length: 255 })
  providerSubscriptionId: string;

  @Column({ type: 'varchar', length: 24 })
  status: SubscriptionStatus;

  @Column({ type: 'timestamptz', nullable: true })
  currentPeriodEnd: Date | null;

  @Column({ type: 'boolean', default: false })
  cancelAtPeriodEnd: boolean;

  /** Creation time of the newest provider event applied; older events never overwrite newer state. */
  @Column({ type: 'timestamptz', nullable: true })
  providerStateAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
