import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ServiceInstance } from './service-instance.entity.js';

/**
 * The club's first admin login for one app (XMPP admin JID, WordPress admin, Mastodon
 * owner). The password is sealed; it is revealed to an owner once, then only its
 * existence remains visible.
 */
@Entity('admin_credential')
export class AdminCredential {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index({ unique: true })
  @Column({ type: 'uuid' })
  serviceInstanceId: string;

  @ManyToOne(() => ServiceInstance, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'service_instance_id' })
  serviceInstance?: ServiceInstance;

  @Index()
  @Column({ type: 'uuid' })
  tenantId: string;

  @Column({ type: 'varchar', length: 254 })
  username: string;

  /** Where to log in, e.g. https://club.example/wp-login.php or xmpp:admin@chat.club.example */
  @Column({ type: 'varchar', length: 512 })
  loginUrl: string;

  @Column({ type: 'text', select: false })
  sealedPassword: string;

  @Column({ type: 'timestamptz', nullable: true })
  revealedAt: Date | null;

  @Column({ type: 'uuid', nullable: true })
  revealedBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
