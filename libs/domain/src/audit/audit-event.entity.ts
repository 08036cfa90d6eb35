import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type AuditActorType = 'account' | 'system' | 'provider';

/** Who did what to what, and when. Append-only. */
@Entity('audit_event')
@Index(['targetType', 'targetId', 'createdAt'])
@Index(['organizationId', 'createdAt'])
export class AuditEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 16 })
  actorType: AuditActorType;

  /** Account id, provider name or worker component. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  actorId: string | null;

  /** e.g. tenant.suspended, token.created, member.invited */
  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ type: 'varchar', length: 32 })
  targetType: string;

  @Column({ type: 'varchar', length: 64 })
  targetId: string;

  @Column({ type: 'uuid', nullable: true })
  organizationId: string | null;

  @Column({ type: 'jsonb', default: {} })
  details: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
