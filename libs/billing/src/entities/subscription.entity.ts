import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { PaymentProviderName } from './order.entity.js';

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
@Index('IDX_subscription_order', ['orderId'])
@Index('IDX_subscription_due', ['provider', 'status', 'currentPeriodEnd'])
export class Subscription {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  // organization (identity) and tenant (provisioning): foreign keys in the migrations
  @Index()
  @Column({ type: 'uuid' })
  organizationId: string;

  @Index()
  @Column({ type: 'uuid', nullable: true })
  tenantId: string | null;

  @Column({ type: 'uuid', nullable: true })
  orderId: string | null;

  @Column({ type: 'varchar', length: 16 })
  provider: PaymentProviderName;

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

  /** When the provider will end the subscription (a scheduled cancellation), null when none is scheduled. */
  @Column({ type: 'timestamptz', nullable: true })
  cancelAt: Date | null;

  /** Creation time of the newest provider event applied; older events never overwrite newer state. */
  @Column({ type: 'timestamptz', nullable: true })
  providerStateAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
