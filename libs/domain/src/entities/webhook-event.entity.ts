import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An event received from a payment provider. Stored (unique per provider event id)
 * before it is processed; processedAt is set only after the handler succeeded, so a
 * crash in between leaves it to be picked up again.
 */
@Entity('webhook_event')
@Index(['provider', 'eventId'], { unique: true })
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

  @Index()
  @Column({ type: 'timestamptz', nullable: true })
  processedAt: Date | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;
}
