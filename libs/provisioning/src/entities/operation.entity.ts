import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type OperationState = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
export type OperationStepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
/** transient: the cause may pass (an engine that was away, retries used up); permanent: it will not by itself. */
export type OperationFailureKind = 'transient' | 'permanent';

export interface OperationStep {
  name: string;
  /** Human-readable, e.g. "Create containers". */
  title: string;
  state: OperationStepState;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
}

/** A long-running job (provision, upgrade, backup...) that a person can follow step by step. */
@Entity('operation')
@Index(['targetType', 'targetId', 'createdAt'])
@Index('IDX_operation_created', ['createdAt', 'id'])
@Index('IDX_operation_state_created', ['state', 'createdAt', 'id'])
// GET /metrics reads the operations finished since its last scrape (migration OperationFinishedIndex)
@Index('IDX_operation_finished', ['finishedAt'])
export class Operation {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 40 })
  kind: string;

  @Column({ type: 'varchar', length: 32 })
  targetType: string;

  @Column({ type: 'uuid' })
  targetId: string;

  /** For authorization: which organization may see it (null for platform operations). */
  @Index()
  @Column({ type: 'uuid', nullable: true })
  organizationId: string | null;

  @Index()
  @Column({ type: 'varchar', length: 16 })
  state: OperationState;

  @Column({ type: 'smallint', default: 0 })
  progress: number;

  @Column({ type: 'jsonb', default: [] })
  steps: OperationStep[];

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** Set when the operation failed: whether its cause may pass (then the reconcile loop may try again). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  failureKind: OperationFailureKind | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ type: 'uuid', nullable: true })
  requestedBy: string | null;

  /** What the operation works with, when its kind needs more than the target (a restore's backup, a backup's sites). */
  @Column({ type: 'jsonb', nullable: true })
  input: Record<string, unknown> | null;

  /** clock_timestamp(): operations started in one transaction still have an order (the runner keeps it). */
  @CreateDateColumn({ type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
