import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An event received from a payment provider. Stored (unique per provider event id)
 * before it is processed; processedAt is set only after the handler succeeded, so a
 * crash in between leaves it to be picked up again. The table is its own queue: the
 * worker claims pending rows with FOR UPDATE SKIP LOCKED.
 */
@Entity('webhook_event')
@Index(['provider', 'eventId'], { unique: true })
@Index('webhook_event_pending', ['eventCreatedAt'], { where: 'processed_at IS NULL' })
export class WebhookEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 16 })
  provider: string;

  @Column({ type: 'varchar', length: 255 })
  eventId: string;

  @Column({ type: 'varchar', length: 100 })
  type: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  /** When the provider created the event; orders events about the same object. */
  @Column({ type: 'timestamptz' })
  eventCreatedAt: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  processedAt: Date | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** After a failure: not before this time (backoff). Null: as soon as possible. */
  @Column({ type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;
}
