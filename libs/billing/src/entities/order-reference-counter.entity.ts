import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The last payment reference number given out per year. Taken with a row lock in the order's
 * transaction, so numbers are unique, have no gaps, and a rolled-back order gives its number back.
 */
@Entity('order_reference_counter')
export class OrderReferenceCounter {
  @PrimaryColumn({ type: 'integer' })
  year: number;

  @Column({ type: 'integer' })
  lastNumber: number;
}
