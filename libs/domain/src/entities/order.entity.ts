import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Organization } from './organization.entity.js';
import { Plan } from './plan.entity.js';
import { Tenant } from './tenant.entity.js';

export type OrderState = 'pending_payment' | 'paid' | 'canceled' | 'expired';
export type PaymentProvider = 'stripe' | 'manual';

/** A club's order of a plan, with what it accepted and how it pays. */
@Entity('order')
export class Order {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column({ type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  @Column({ type: 'uuid' })
  planId: string;

  @ManyToOne(() => Plan, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'plan_id' })
  plan?: Plan;

  @Index()
  @Column({ type: 'uuid', nullable: true })
  tenantId: string | null;

  @ManyToOne(() => Tenant, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant | null;

  @Column({ type: 'varchar', length: 24 })
  state: OrderState;

  @Column({ type: 'varchar', length: 16 })
  paymentProvider: PaymentProvider;

  /** Stripe Checkout Session id (cs_...), when paid through Stripe. */
  @Column({ type: 'varchar', length: 255, nullable: true, unique: true })
  checkoutSessionId: string | null;

  /** Price at the time of ordering, in minor units. */
  @Column({ type: 'integer' })
  amountCents: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'varchar', length: 32 })
  termsVersion: string;

  @Column({ type: 'varchar', length: 32 })
  dpaVersion: string;

  @Column({ type: 'timestamptz' })
  termsAcceptedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  paidAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
