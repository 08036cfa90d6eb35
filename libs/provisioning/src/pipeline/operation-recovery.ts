import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { JobQueue, type LiveJob } from '#platform/jobs';
import { Operation } from '../entities/index.js';
import { OPERATION_QUEUE, type OperationJob } from '../operations/operation-queue.js';
import { TenantLocks } from './tenant-locks.js';

/** What recovery does with one unfinished operation, decided from its jobs and its tenant's lock. */
export type RecoveryAction =
  /** A live worker has it, or its job waits to run or for its retry: one chain of jobs per operation. */
  | { kind: 'leave' }
  /** Its worker died (the job is active, nobody holds the tenant): cancel that job, send a new one. */
  | { kind: 'resend'; orphans: string[] };

export interface RecoveryTimings {
  /** An active job older than this whose tenant nobody holds lost its worker (default 5 s). */
  activeGraceMs: number;
  /** A queued operation with no job this long after its last change lost its job (default 60 s). */
  queuedGraceMs: number;
}

export const RECOVERY_TIMINGS: RecoveryTimings = { activeGraceMs: 5_000, queuedGraceMs: 60_000 };

/**
 * The decision for one unfinished operation whose tenant lock nobody holds. Pure.
 * - a job waiting to run or for its retry: leave it (re-sending would start a second chain)
 * - an active job that started a moment ago: leave it (its worker is about to take the lock)
 * - active jobs older than the grace: their worker died; they would sit "active" until they
 *   expire (an hour): cancel them and send one new job
 * - no job at all: lost (e.g. sent outside a transaction that then failed): send one, unless
 *   the operation was queued a moment ago
 */
export function recoveryAction(operation: Pick<Operation, 'state' | 'updatedAt'>, jobs: readonly LiveJob[], now: Date, timings: RecoveryTimings = RECOVERY_TIMINGS): RecoveryAction {
  if (jobs.some((job) => job.state !== 'active')) return { kind: 'leave' };
  const started = (job: LiveJob) => (job.startedAt ? new Date(job.startedAt).getTime() : 0);
  if (jobs.some((job) => now.getTime() - started(job) < timings.activeGraceMs)) return { kind: 'leave' };
  if (jobs.length === 0 && operation.state === 'queued' && now.getTime() - operation.updatedAt.getTime() < timings.queuedGraceMs) return { kind: 'leave' };
  return { kind: 'resend', orphans: jobs.map((job) => job.id) };
}

/**
 * Finds operations a dead worker left behind and puts them back on the queue, once: an
 * operation only waiting for a retry keeps its one chain of jobs, and the active job of a
 * killed worker is cancelled rather than left to expire in an hour and run a second time.
 * Handlers are idempotent and a duplicate job of a finished operation does nothing, so the
 * rare race (a worker that lost its database connection takes its lock again) is harmless.
 */
@Injectable()
export class OperationRecovery {
  private readonly logger = new Logger(OperationRecovery.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
    private readonly locks: TenantLocks,
  ) {}

  /** One pass; returns the ids of the operations sent again. `confirmMs`: pause before acting, to see the same state twice. */
  async recover(options: { confirmMs?: number; timings?: RecoveryTimings } = {}): Promise<string[]> {
    const timings = options.timings ?? RECOVERY_TIMINGS;
    const unfinished = await this.dataSource.manager.find(Operation, { where: { state: In(['queued', 'running']) }, order: { createdAt: 'ASC' } });
    const candidates = new Map<string, string[]>();
    for (const operation of unfinished) {
      const decision = await this.decide(operation, timings);
      if (decision.kind === 'resend') candidates.set(operation.id, decision.orphans);
    }
    if (candidates.size === 0) return [];

    // look twice: a worker whose database connection dropped takes its lock again within a moment
    await sleep(options.confirmMs ?? 2000);
    const recovered: string[] = [];
    for (const [operationId, orphans] of candidates) {
      const operation = await this.dataSource.manager.findOne(Operation, { where: { id: operationId } });
      if (!operation || (operation.state !== 'queued' && operation.state !== 'running')) continue;
      const again = await this.decide(operation, timings);
      if (again.kind !== 'resend' || again.orphans.join() !== orphans.join()) continue;
      await this.queue.cancel(OPERATION_QUEUE, orphans);
      await this.queue.send(OPERATION_QUEUE, { operationId } satisfies OperationJob);
      recovered.push(operationId);
      this.logger.warn(
        `operation ${operation.kind} ${operationId} ${orphans.length ? `lost its worker (job ${orphans.join(', ')} cancelled)` : 'had no job'}; sent again (attempt ${operation.attempts + 1})`,
      );
    }
    return recovered;
  }

  private async decide(operation: Operation, timings: RecoveryTimings): Promise<RecoveryAction> {
    if (await this.locks.isLocked(operation.targetId)) return { kind: 'leave' };
    const jobs = await this.queue.liveJobs(OPERATION_QUEUE, { operationId: operation.id });
    return recoveryAction(operation, jobs, new Date(), timings);
  }
}
