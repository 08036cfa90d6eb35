import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Tenant } from './tenant.entity.js';

export type DomainKind = 'subdomain' | 'custom';
export type DomainVerificationState = 'pending' | 'verified' | 'flagged' | 'withdrawn';
export type TlsState = 'none' | 'pending' | 'issued' | 'failed';

/** A host name a tenant answers on: a subdomain of the cooperative's base domain, or the club's own. */
@Entity('domain')
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

  /** For custom domains: the TXT record value that proves control. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  verificationToken: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  @Column({ type: 'varchar', length: 16, default: 'none' })
  tlsState: TlsState;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
