import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A club, association or cooperative: the customer. */
@Entity('organization')
@Index('IDX_organization_created', ['createdAt', 'id'])
export class Organization {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** URL-safe handle, unique; also the default subdomain suggestion. */
  @Column({ type: 'varchar', length: 63, unique: true })
  slug: string;

  @Column({ type: 'varchar', length: 254 })
  contactEmail: string;

  /**
   * When the club became a customer: created by an operator, or its first payment arrived. Until
   * then (an unpaid order) it cannot invite anyone: no mail relay for strangers.
   */
  @Column({ type: 'timestamptz', nullable: true })
  confirmedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
