import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Account } from './account.entity.js';

export type ApiTokenKind = 'session' | 'api';

/**
 * A bearer token. Only the SHA-256 of the secret part is stored; the full token
 * (`alm_<id>_<secret>`) is shown once, at creation.
 */
@Entity('api_token')
export class ApiToken {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column({ type: 'uuid' })
  accountId: string;

  @ManyToOne(() => Account, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: Account;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** session = from a password login; api = created deliberately, e.g. for scripts. */
  @Column({ type: 'varchar', length: 16 })
  kind: ApiTokenKind;

  @Column({ type: 'char', length: 64, select: false })
  secretHash: string;

  @Column({ type: 'text', array: true })
  scopes: string[];

  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
