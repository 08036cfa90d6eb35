import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Tenant } from './tenant.entity.js';

export type RolloutState = 'running' | 'paused' | 'stopped' | 'aborted' | 'completed';
export type RolloutTargetState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

/** Which tenants a rollout (or a dry run) takes: all of the app's, narrowed by each list given. */
export interface FleetSelection {
  tenantIds?: string[];
  fromVersions?: string[];
  hostIds?: string[];
  states?: string[];
}

/**
 * An upgrade of one app to one version across many tenants: a canary batch first, then
 * batches of `batchSize` with `pauseSeconds` between them, stopping by itself when more than
 * `maxFailures` tenants failed. Operators pause, resume or abort it.
 */
@Entity('upgrade_rollout')
@Index(['state'])
export class UpgradeRollout {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 32 })
  app: string;

  @Column({ type: 'varchar', length: 32 })
  toVersion: string;

  @Column({ type: 'jsonb', default: {} })
  selection: FleetSelection;

  @Column({ type: 'integer' })
  canarySize: number;

  @Column({ type: 'integer' })
  batchSize: number;

  @Column({ type: 'integer' })
  pauseSeconds: number;

  @Column({ type: 'integer' })
  maxFailures: number;

  /** A security update: clubs' maintenance windows do not hold it back. */
  @Column({ type: 'boolean', default: false })
  urgent: boolean;

  @Column({ type: 'varchar', length: 16 })
  state: RolloutState;

  /** Why it stopped, or who paused or aborted it. */
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  /** Batches started so far (the canary is batch 1). */
  @Column({ type: 'integer', default: 0 })
  batchesStarted: number;

  /** When the last batch finished: the next one waits `pauseSeconds` from here. */
  @Column({ type: 'timestamptz', nullable: true })
  lastBatchFinishedAt: Date | null;

  @Column({ type: 'uuid', nullable: true })
  requestedBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}

/** One tenant of a rollout: which batch took it, its upgrade operation, how it ended. */
@Entity('upgrade_rollout_target')
@Index(['rolloutId', 'tenantId'], { unique: true })
export class UpgradeRolloutTarget {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  rolloutId: string;

  @ManyToOne(() => UpgradeRollout, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'rollout_id' })
  rollout?: UpgradeRollout;

  @Column({ type: 'uuid' })
  tenantId: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  /** The version it ran when the rollout was planned. */
  @Column({ type: 'varchar', length: 32 })
  fromVersion: string;

  /** Its place in the plan: the rollout takes pending targets in this order. */
  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'integer', nullable: true })
  batch: number | null;

  @Column({ type: 'varchar', length: 16 })
  state: RolloutTargetState;

  @Column({ type: 'uuid', nullable: true })
  operationId: string | null;

  /** Why it was skipped or failed. */
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  /** When the owner was told it is planned (with their window). */
  @Column({ type: 'timestamptz', nullable: true })
  announcedAt: Date | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
