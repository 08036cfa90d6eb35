import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { PlanIncludes, PlanTranslations } from '../plans/plans-file.js';

export type BillingInterval = 'month' | 'year';

/**
 * What a club can order: a bundle of apps for a flat price. Plans are configuration
 * (templates/plans.yaml), synchronised into this table at start so orders can refer to them.
 */
@Entity('plan')
export class Plan {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 40, unique: true })
  code: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  /** Name and description in other languages than English, e.g. { de: { name, description } }. */
  @Column({ type: 'jsonb', default: {} })
  translations: PlanTranslations;

  /** Storage, members and backup days the plan promises. */
  @Column({ type: 'jsonb', default: {} })
  includes: PlanIncludes;

  /** Whether the price includes VAT (the page says so either way). */
  @Column({ type: 'boolean', default: true })
  vatIncluded: boolean;

  /** App ids from the catalog, e.g. ['prosody', 'wordpress']. */
  @Column({ type: 'text', array: true })
  apps: string[];

  /** Flat price in the currency's minor unit (cents). */
  @Column({ type: 'integer' })
  priceCents: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'varchar', length: 8 })
  interval: BillingInterval;

  /** Stripe Price id (price_...) or lookup key, when the plan is sold through Stripe. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  stripePrice: string | null;

  /** Plans removed from configuration stay for existing subscriptions but cannot be ordered. */
  @Column({ type: 'boolean', default: true })
  orderable: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
