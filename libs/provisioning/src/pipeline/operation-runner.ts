import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '#platform';
import { JobQueue } from '#platform/jobs';
import type { Operation, Tenant } from '../entities/index.js';
import type { OperationKind } from '../operations/operation-kinds.js';
import { OperationJournal } from '../operations/operation-journal.js';
import { OPERATION_QUEUE } from '../operations/operation-queue.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { describeError, isTransient, TenantBusy } from './pipeline-errors.js';
import { TenantLocks } from './tenant-locks.js';

/** What a handler uses to run its named steps; a resumed operation skips the steps already done. */
export interface Steps {
  readonly operation: Operation;
  /** Runs `work` as step `name` unless it is done; `report` updates the step's message. */
  run(name: string, work: (report: (message: string) => Promise<void>) => Promise<unknown>): Promise<void>;
  isDone(name: string): boolean;
  /** For work that spans two steps (apply = deploy then health): finish one, start the next. */
  advance(finished: string, next: string, message?: string): Promise<void>;
}

/** Carries out one kind of operation on a tenant. Steps must be idempotent: a crash re-runs the unfinished one. */
export abstract class OperationHandler {
  abstract readonly kind: OperationKind;
  abstract run(tenant: Tenant, steps: Steps): Promise<void>;
  /** After a permanent failure (or the last retry): put the tenant into a state a person can act on. */
  onFailure?(tenant: Tenant, operation: Operation, reason: string): Promise<void>;
}

export interface Attempt {
  retryCount: number;
  retryLimit: number;
}

/**
 * Runs operations from the queue. The tenant's advisory lock makes it one operation per
 * tenant at a time and FIFO; a transient error is rethrown so the queue retries with
 * backoff; a permanent one (or the last retry) fails the operation with its reason.
 */
@Injectable()
export class OperationRunner {
  private readonly logger = new Logger(OperationRunner.name);
  private readonly handlers = new Map<string, OperationHandler>();

  constructor(
    private readonly operations: OperationJournal,
    private readonly tenants: TenantDirectory,
    private readonly locks: TenantLocks,
    private readonly queue: JobQueue,
    private readonly config: AppConfig,
  ) {}

  register(handler: OperationHandler): void {
    this.handlers.set(handler.kind, handler);
  }

  async run(operationId: string, attempt: Attempt): Promise<void> {
    const operation = await this.operations.find(operationId);
    if (!operation) return void this.logger.warn(`operation ${operationId} does not exist; dropping its job`);
    if (operation.state !== 'queued' && operation.state !== 'running') return; // a duplicate job of a finished operation
    const handler = this.handlers.get(operation.kind);
    if (!handler || operation.targetType !== 'tenant') {
      await this.operations.fail(operation.id, `no handler for ${operation.kind} on ${operation.targetType}`);
      return;
    }

    const outcome = await this.locks.withLock(operation.targetId, async () => {
      const earlier = (await this.operations.unfinishedFor(operation.targetId)).find(
        (other) => other.id !== operation.id && other.createdAt < operation.createdAt,
      );
      if (earlier) throw new TenantBusy(`waiting for the earlier ${earlier.kind} operation ${earlier.id}`);
      await this.execute(handler, operation.id, attempt);
    });
    if (!outcome.acquired) throw new TenantBusy(`tenant ${operation.targetId} is busy with another operation`);
    // the next operation of this tenant may be waiting in a retry backoff: wake it now
    const [next] = await this.operations.unfinishedFor(operation.targetId);
    if (next) await this.queue.send(OPERATION_QUEUE, { operationId: next.id });
  }

  private async execute(handler: OperationHandler, operationId: string, attempt: Attempt): Promise<void> {
    let operation = await this.operations.begin(operationId);
    const tenant = await this.tenants.find(operation.targetId);
    if (!tenant) {
      await this.operations.fail(operationId, 'the tenant no longer exists');
      return;
    }
    const steps: Steps = {
      get operation() {
        return operation;
      },
      isDone: (name) => operation.steps.some((step) => step.name === name && (step.state === 'done' || step.state === 'skipped')),
      run: async (name, work) => {
        if (steps.isDone(name)) return;
        operation = await this.operations.stepStarted(operationId, name);
        if (this.config.runtime.drillStepPauseMs > 0) await sleep(this.config.runtime.drillStepPauseMs);
        await work(async (message) => {
          operation = await this.operations.stepProgress(operationId, name, message);
        });
        operation = await this.operations.stepDone(operationId, name);
      },
      advance: async (finished, next, message) => {
        if (!steps.isDone(finished)) operation = await this.operations.stepDone(operationId, finished);
        operation = await this.operations.stepStarted(operationId, next, message);
      },
    };

    try {
      await handler.run(tenant, steps);
      await this.operations.succeed(operationId);
      this.logger.log(`${handler.kind} of tenant ${tenant.slug} succeeded`);
    } catch (error) {
      const reason = describeError(error);
      if (error instanceof TenantBusy) throw error;
      if (isTransient(error) && attempt.retryCount < attempt.retryLimit) {
        this.logger.warn(`${handler.kind} of tenant ${tenant.slug}: ${reason} (attempt ${attempt.retryCount + 1} of ${attempt.retryLimit + 1}, retrying)`);
        await this.operations.noteRetry(operationId, reason);
        throw error;
      }
      this.logger.error(`${handler.kind} of tenant ${tenant.slug} failed: ${reason}`);
      const failed = await this.operations.fail(operationId, reason);
      await handler.onFailure?.(tenant, failed, reason).catch((cleanupError: unknown) =>
        this.logger.error(`after failing ${handler.kind}: ${describeError(cleanupError)}`),
      );
    }
  }
}

