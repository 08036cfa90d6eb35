import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { CheckResult } from '../domains/check-result.js';
import { Tenant } from './tenant.entity.js';

export type DomainKind = 'subdomain' | 'custom';
export type DomainVerificationState = 'pending' | 'verified' | 'flagged' | 'withdrawn';
export type TlsState = 'none' | 'pending' | 'issued' | 'failed';

/** A host name a tenant answers on: a subdomain of the cooperative's base domain, or the club's own. */
@Entity('domain')
@Index('IDX_domain_custom_checked', ['checkedAt'], { where: `"kind" = 'custom'` })
export class Domain {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column({ type: 'uuid' })
  tenantId: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  /** Lower-case ASCII (punycode for IDNs); unique across the platform. */
  @Column({ type: 'varchar', length: 253, unique: true })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  kind: DomainKind;

  @Column({ type: 'boolean', default: false })
  isPrimary: boolean;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  verificationState: DomainVerificationState;

  /** For custom domains: the random part of the TXT record that proves control (allmende-verify=<token>). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  verificationToken: string | null;

  /** When the records were last found present (verified, or verified again). */
  @Column({ type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  /** When a verified domain's records were found missing; it is withdrawn after the grace period. */
  @Column({ type: 'timestamptz', nullable: true })
  flaggedAt: Date | null;

  /** When the edge stopped serving it; the claim is released after the release period. */
  @Column({ type: 'timestamptz', nullable: true })
  withdrawnAt: Date | null;

  /** The last DNS check of a custom domain, and what it found. */
  @Column({ type: 'timestamptz', nullable: true })
  checkedAt: Date | null;

  @Column({ type: 'jsonb', default: [] })
  lastCheck: CheckResult[];

  @Column({ type: 'varchar', length: 16, default: 'none' })
  tlsState: TlsState;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
