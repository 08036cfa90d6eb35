import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type OrderState = 'pending_payment' | 'paid' | 'canceled' | 'expired';
export type PaymentProviderName = 'stripe' | 'manual';

/** A club's order of a plan, with what it accepted and how it pays. */
@Entity('order')
// the operators' lists, a page at a time (see migration ConsoleIndexes)
@Index('IDX_order_created', ['createdAt', 'id'])
@Index('IDX_order_state_created', ['state', 'createdAt', 'id'])
@Index('IDX_order_state_provider_created', ['state', 'paymentProvider', 'createdAt', 'id'])
export class Order {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** What people call the order and write on a bank transfer: AM-2026-0042 (see payment-reference.ts). */
  @Index('order_reference', { unique: true })
  @Column({ type: 'varchar', length: 24 })
  reference: string;

  // organization (identity), plan (catalog) and tenant (provisioning): foreign keys in the migrations
  @Index()
  @Column({ type: 'uuid' })
  organizationId: string;

  @Column({ type: 'uuid' })
  planId: string;

  @Index()
  @Column({ type: 'uuid', nullable: true })
  tenantId: string | null;

  @Column({ type: 'varchar', length: 24 })
  state: OrderState;

  @Column({ type: 'varchar', length: 16 })
  paymentProvider: PaymentProviderName;

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
