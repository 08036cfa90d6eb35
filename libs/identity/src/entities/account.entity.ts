import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** The languages a person's letters are written in. */
export type AccountLocale = 'en' | 'de';
export const ACCOUNT_LOCALES: readonly AccountLocale[] = ['en', 'de'];

/** A locale we write letters in, from any value (an unknown one is English). */
export function accountLocale(value: string | null | undefined): AccountLocale {
  return ACCOUNT_LOCALES.find((locale) => locale === value) ?? 'en';
}

/** A person who can log in: a club member, or an operator of the hosting cooperative. */
@Entity('account')
export class Account {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Stored lower-cased; unique. */
  @Column({ type: 'varchar', length: 254, unique: true })
  email: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  displayName: string | null;

  /** argon2id hash; null until an invited person sets a password. */
  @Column({ type: 'varchar', length: 255, nullable: true, select: false })
  passwordHash: string | null;

  /** Operators run the cooperative's platform; they are not members of any organization by this flag. */
  @Column({ type: 'boolean', default: false })
  isOperator: boolean;

  /** The language of the person's letters: the page's language when the account was made from an order. */
  @Column({ type: 'varchar', length: 8, default: 'en' })
  locale: AccountLocale;

  /** When the person proved the address is theirs (a link by mail); until then the account acts only on its own pending order. */
  @Column({ type: 'timestamptz', nullable: true })
  emailVerifiedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
