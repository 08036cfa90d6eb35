import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Order } from './order.entity.js';

/**
 * An operator's request about a bank-transfer order that carried an Idempotency-Key: the key,
 * what was asked, and the answer given. A repeat with the same key gets the same answer and
 * changes nothing; the same key with another request is refused.
 */
@Entity('manual_payment_request')
@Index(['orderId', 'idempotencyKey'], { unique: true })
export class ManualPaymentRequest {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  orderId: string;

  @ManyToOne(() => Order, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id' })
  order?: Order;

  @Column({ type: 'varchar', length: 255 })
  idempotencyKey: string;

  /** What was asked (outcome and period), to recognise the same key reused for another request. */
  @Column({ type: 'varchar', length: 255 })
  fingerprint: string;

  /** The answer as it was sent. */
  @Column({ type: 'jsonb' })
  response: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
