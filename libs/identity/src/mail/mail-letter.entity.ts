import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type MailLetterState = 'queued' | 'sent' | 'failed';

/**
 * The mail outbox: a letter is written in the same transaction as what it tells about, and
 * sent afterwards (with retries). No mail for work that rolled back; no lost mail on a crash.
 */
@Entity('mail_letter')
@Index('mail_letter_due', ['nextAttemptAt'], { where: "state = 'queued'" })
@Index('mail_letter_dedup_key', ['dedupKey'], { unique: true, where: 'dedup_key IS NOT NULL' })
export class MailLetter {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 64 })
  template: string;

  @Column({ type: 'varchar', length: 254 })
  recipient: string;

  @Column({ type: 'varchar', length: 8 })
  locale: string;

  /** The letter's natural key (Letter.key): unique, so the same news is queued once. */
  @Column({ type: 'varchar', length: 512, nullable: true })
  dedupKey: string | null;

  /** The letter's values, sealed (they may hold one-time links); cleared once sent. */
  @Column({ type: 'text', nullable: true, select: false })
  sealedValues: string | null;

  @Column({ type: 'varchar', length: 16, default: 'queued' })
  state: MailLetterState;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  sentAt: Date | null;
}
