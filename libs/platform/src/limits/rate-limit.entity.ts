import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How often something happened for one key (an address, an account, an organization) in one
 * window: the store of the rate limits, shared by every API process and kept across restarts.
 */
@Entity('rate_limit')
export class RateLimitWindow {
  /** e.g. password:address:203.0.113.7, order:address:..., invitation:org:<id> */
  @PrimaryColumn({ type: 'varchar', length: 200 })
  key: string;

  @PrimaryColumn({ type: 'timestamptz' })
  windowStart: Date;

  @Column({ type: 'integer', default: 0 })
  count: number;
}
