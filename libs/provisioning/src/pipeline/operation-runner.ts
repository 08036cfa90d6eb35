import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, backoffDelay } from '#platform';
import { JobQueue } from '#platform/jobs';
import { isEngineUnreachable } from '#runtime';
import type { Operation, Tenant } from '../entities/index.js';
import { engineHint, type UnreachableEngine, WAITING_FOR_SERVERS } from '../hosts/engine-hint.js';
import type { OperationKind } from '../operations/operation-kinds.js';
import { OperationJournal } from '../operations/operation-journal.js';
import { OPERATION_QUEUE, type OperationJob } from '../operations/operation-queue.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { EngineProbe } from './engine-probe.js';
import { describeError, isTransient, TenantBusy } from './pipeline-errors.js';
import { type HeldLock, TenantLocks } from './tenant-locks.js';

/** What a handler uses to run its named steps; a resumed operation skips the steps already done. */
export interface Steps {
  readonly operation: Operation;
  /** Runs `work` as step `name` unless it is done; `report` updates the step's message. */
  run(name: string, work: (report: (message: string) => Promise<void>) => Promise<unknown>): Promise<void>;
  isDone(name: string): boolean;
  /** For work that spans two steps (apply = deploy then health): finish one, start the next. */
  advance(finished: string, next: string, message?: string): Promise<void>;
  /** Marks a step failed when the handler goes on after it (an upgrade's rollback). */
  fail(name: string, message: string): Promise<void>;
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
  /** How often this operation already waited for its Docker engine (grows the pause between checks). */
  engineWaits?: number;
}

/**
 * An operation started this often without finishing has a worker that dies under it each time
 * (killed, out of memory): it fails (as transient: the reconcile loop may try later, bounded)
 * instead of taking the worker down for ever.
 */
export const MAX_ATTEMPTS = 25;

/** Pauses between checks while the engine does not answer. */
const ENGINE_WAIT = { initialMs: 2000, maxMs: 30_000 };

/**
 * Runs operations from the queue. The tenant's advisory lock makes it one operation per
 * tenant at a time and FIFO; a transient error is rethrown so the queue retries with
 * backoff; a permanent one (or the last retry) fails the operation with its reason. A Docker
 * engine that does not answer at all is waited for without using up retries: the operation
 * says so to the club and the operator and checks again later.
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
    private readonly engines: EngineProbe,
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

    const outcome = await this.locks.withLock(operation.targetId, async (lock) => {
      const earlier = (await this.operations.unfinishedFor(operation.targetId)).find(
        (other) => other.id !== operation.id && other.createdAt < operation.createdAt,
      );
      if (earlier) throw new TenantBusy(`waiting for the earlier ${earlier.kind} operation ${earlier.id}`);
      await this.execute(handler, operation, attempt, lock);
    });
    if (!outcome.acquired) throw new TenantBusy(`tenant ${operation.targetId} is busy with another operation`);
    // the next operation of this tenant may be waiting in a retry backoff: wake it now
    // (unless this one is still unfinished, e.g. waiting for its engine: it stays first)
    const [next] = await this.operations.unfinishedFor(operation.targetId);
    if (next && next.id !== operation.id) await this.wake(next.id);
  }

  /** Makes the operation's waiting job due now; sends one only if it has none (one chain of jobs per operation). */
  private async wake(operationId: string): Promise<void> {
    if ((await this.queue.runNow(OPERATION_QUEUE, { operationId })) > 0) return;
    if ((await this.queue.liveJobs(OPERATION_QUEUE, { operationId })).length > 0) return;
    await this.queue.send(OPERATION_QUEUE, { operationId } satisfies OperationJob);
  }

  private async execute(handler: OperationHandler, found: Operation, attempt: Attempt, lock: HeldLock): Promise<void> {
    const operationId = found.id;
    const tenant = await this.tenants.find(found.targetId);
    if (!tenant) {
      await this.operations.fail(operationId, 'the tenant no longer exists');
      return;
    }
    // without an engine nothing can be done, and nothing is counted as an attempt
    const away = await this.engines.unreachable(tenant);
    if (away) return this.waitForEngine(found, tenant, away, attempt);
    if (found.attempts >= MAX_ATTEMPTS) {
      return this.failFor(handler, tenant, operationId, `started ${found.attempts} times without finishing (the worker stopped under it each time)`, 'transient');
    }

    let operation = await this.operations.begin(operationId);
    const steps: Steps = {
      get operation() {
        return operation;
      },
      isDone: (name) => operation.steps.some((step) => step.name === name && (step.state === 'done' || step.state === 'skipped')),
      run: async (name, work) => {
        if (steps.isDone(name)) return;
        lock.assertHeld();
        operation = await this.operations.stepStarted(operationId, name);
        if (this.config.runtime.drillStepPauseMs > 0) await sleep(this.config.runtime.drillStepPauseMs);
        await work(async (message) => {
          lock.assertHeld();
          operation = await this.operations.stepProgress(operationId, name, message);
        });
        lock.assertHeld();
        operation = await this.operations.stepDone(operationId, name);
      },
      advance: async (finished, next, message) => {
        lock.assertHeld();
        if (!steps.isDone(finished)) operation = await this.operations.stepDone(operationId, finished);
        operation = await this.operations.stepStarted(operationId, next, message);
      },
      fail: async (name, message) => {
        lock.assertHeld();
        operation = await this.operations.stepDone(operationId, name, message.slice(0, 500), 'failed');
      },
    };

    try {
      await handler.run(tenant, steps);
      lock.assertHeld();
      await this.operations.succeed(operationId);
      this.logger.log(`${handler.kind} of tenant ${tenant.slug} succeeded`);
    } catch (error) {
      const reason = describeError(error);
      if (error instanceof TenantBusy) throw error;
      if (isEngineUnreachable(error) || isTransient(error)) {
        // the engine may have gone away under this call (a reset connection is the first sign of
        // an engine stopping): if it does not answer now, wait for it instead of using a retry.
        // Placement may have chosen the host during this run: look at the tenant again.
        const placed = (await this.tenants.find(tenant.id)) ?? tenant;
        const engine = await this.engines.unreachable(placed);
        if (engine) return this.waitForEngine(operation, placed, engine, attempt);
        if (isEngineUnreachable(error)) return this.waitForEngine(operation, placed, { host: 'of the tenant', endpoint: 'its endpoint', error: reason }, attempt);
      }
      if (isTransient(error) && attempt.retryCount < attempt.retryLimit) {
        this.logger.warn(`${handler.kind} of tenant ${tenant.slug}: ${reason} (attempt ${attempt.retryCount + 1} of ${attempt.retryLimit + 1}, retrying)`);
        await this.operations.noteRetry(operationId, reason);
        throw error;
      }
      await this.failFor(handler, tenant, operationId, reason, isTransient(error) ? 'transient' : 'permanent');
    }
  }

  private async failFor(handler: OperationHandler, tenant: Tenant, operationId: string, reason: string, kind: 'transient' | 'permanent'): Promise<void> {
    this.logger.error(`${handler.kind} of tenant ${tenant.slug} failed: ${reason}`);
    const failed = await this.operations.fail(operationId, reason, kind);
    await handler.onFailure?.(tenant, failed, reason).catch((cleanupError: unknown) =>
      this.logger.error(`after failing ${handler.kind}: ${describeError(cleanupError)}`),
    );
  }

  /**
   * The engine does not answer: tell the club (step message) and the operator (error, log),
   * and check again later through a new job of the same chain. The queue's retry budget is
   * not touched: an engine that is away for an hour is not the operation's failure.
   */
  private async waitForEngine(operation: Operation, tenant: Tenant, engine: UnreachableEngine, attempt: Attempt): Promise<void> {
    const waits = attempt.engineWaits ?? 0;
    const delayMs = backoffDelay(waits, ENGINE_WAIT);
    const hint = engineHint(engine);
    if (waits % 10 === 0) {
      this.logger.warn(`${operation.kind} of tenant ${tenant.slug} waits: ${hint} (${engine.error}); checking again in ${Math.round(delayMs / 1000)} s`);
    }
    await this.operations.noteWaiting(operation.id, `waiting: ${hint}`, WAITING_FOR_SERVERS);
    await this.queue.send(OPERATION_QUEUE, { operationId: operation.id, engineWaits: waits + 1 } satisfies OperationJob, { startAfter: new Date(Date.now() + delayMs) });
  }
}
