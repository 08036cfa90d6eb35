import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Operation, type OperationFailureKind, OperationStep } from '../entities/index.js';
import { NotFoundError } from '#platform';
import { JobQueue } from '#platform/jobs';
import { OperationAlerts } from './operation-alerts.js';
import { OperationJournal } from './operation-journal.js';
import { OPERATION_QUEUE } from './operation-queue.js';
import { OPERATION_KINDS, OperationKind } from './operation-kinds.js';

export interface NewOperation {
  kind: OperationKind;
  target: { type: string; id: string };
  organizationId: string | null;
  requestedBy: string | null;
  /** What the kind needs besides its target (a restore's backup, a backup's sites). */
  input?: Record<string, unknown>;
}

/** Percent done: finished steps count fully, the running one half. */
export function progressOf(steps: readonly OperationStep[]): number {
  if (steps.length === 0) return 0;
  const done = steps.reduce((sum, step) => sum + (step.state === 'done' || step.state === 'skipped' ? 1 : step.state === 'running' ? 0.5 : 0), 0);
  return Math.min(100, Math.floor((done / steps.length) * 100));
}

/**
 * Records long-running jobs and their steps. The worker that runs an operation holds
 * the tenant's lock, so step updates are plain read-modify-write.
 */
@Injectable()
export class OperationsService extends OperationJournal {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
    private readonly alerts: OperationAlerts,
  ) {
    super();
  }

  /** Records an operation and enqueues its job in one transaction: both exist, or neither. */
  async start(input: NewOperation, manager?: EntityManager): Promise<Operation> {
    const run = async (m: EntityManager) => {
      const operation = await this.create(input, m);
      await this.queue.send(OPERATION_QUEUE, { operationId: operation.id }, { manager: m, id: operation.id });
      return operation;
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  async create(input: NewOperation, manager: EntityManager = this.dataSource.manager): Promise<Operation> {
    const steps: OperationStep[] = OPERATION_KINDS[input.kind].map((step) => ({ name: step.name, title: step.title, state: 'pending' }));
    return manager.save(
      manager.create(Operation, {
        kind: input.kind,
        targetType: input.target.type,
        targetId: input.target.id,
        organizationId: input.organizationId,
        requestedBy: input.requestedBy,
        input: input.input ?? null,
        state: 'queued',
        progress: 0,
        steps,
      }),
    );
  }

  find(id: string): Promise<Operation | null> {
    return this.dataSource.manager.findOne(Operation, { where: { id } });
  }

  async get(id: string): Promise<Operation> {
    const operation = await this.dataSource.manager.findOne(Operation, { where: { id } });
    if (!operation) throw new NotFoundError('Operation', id);
    return operation;
  }

  /** Unfinished operations of one target, oldest first. */
  unfinishedFor(targetId: string): Promise<Operation[]> {
    return this.dataSource.manager
      .createQueryBuilder(Operation, 'o')
      .where('o.targetId = :targetId', { targetId })
      .andWhere('o.state in (:...states)', { states: ['queued', 'running'] })
      .orderBy('o.createdAt', 'ASC')
      .getMany();
  }

  /** The newest operation of a target (what its progress page shows). */
  latestFor(targetId: string): Promise<Operation | null> {
    return this.dataSource.manager.findOne(Operation, { where: { targetId }, order: { createdAt: 'DESC' } });
  }

  listFor(targetId: string, limit = 50): Promise<Operation[]> {
    return this.dataSource.manager.find(Operation, { where: { targetId }, order: { createdAt: 'DESC' }, take: limit });
  }

  async begin(id: string): Promise<Operation> {
    return this.mutate(id, (operation) => {
      operation.state = 'running';
      operation.startedAt ??= new Date();
      operation.attempts += 1;
      operation.error = null;
      operation.failureKind = null;
      // a step left running by a crashed worker starts over
      for (const step of operation.steps) if (step.state === 'running' || step.state === 'failed') step.state = 'pending';
    });
  }

  async stepStarted(id: string, name: string, message?: string): Promise<Operation> {
    return this.mutate(id, (operation) => {
      const step = this.step(operation, name);
      step.state = 'running';
      step.startedAt = new Date().toISOString();
      step.message = message;
    });
  }

  async stepProgress(id: string, name: string, message: string): Promise<Operation> {
    return this.mutate(id, (operation) => {
      this.step(operation, name).message = message;
    });
  }

  async stepDone(id: string, name: string, message?: string, state: 'done' | 'skipped' | 'failed' = 'done'): Promise<Operation> {
    return this.mutate(id, (operation) => {
      const step = this.step(operation, name);
      step.state = state;
      step.finishedAt = new Date().toISOString();
      if (message !== undefined) step.message = message;
    });
  }

  async succeed(id: string, manager?: EntityManager): Promise<Operation> {
    return this.mutate(
      id,
      (operation) => {
        operation.state = 'succeeded';
        operation.finishedAt = new Date();
        operation.progress = 100;
      },
      manager,
    );
  }

  /** Fails the operation and, in the same transaction, alerts the operators (once per failure). */
  async fail(id: string, error: string, kind: OperationFailureKind = 'permanent', manager?: EntityManager): Promise<Operation> {
    const run = async (m: EntityManager) => {
      const before = await m.findOne(Operation, { where: { id }, select: { id: true, state: true }, lock: { mode: 'pessimistic_write' } });
      const failed = await this.failIn(id, error, kind, m);
      if (before && before.state !== 'failed') await this.alerts.failed(failed, m);
      return failed;
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  private failIn(id: string, error: string, kind: OperationFailureKind, manager: EntityManager): Promise<Operation> {
    return this.mutate(
      id,
      (operation) => {
        operation.state = 'failed';
        operation.error = error.slice(0, 4000);
        operation.failureKind = kind;
        operation.finishedAt = new Date();
        const running = operation.steps.find((step) => step.state === 'running');
        if (running) {
          running.state = 'failed';
          running.finishedAt = new Date().toISOString();
          running.message = error.slice(0, 500);
        }
      },
      manager,
    );
  }

  /** Records a transient error while the job waits for its retry. */
  async noteRetry(id: string, error: string): Promise<Operation> {
    return this.mutate(id, (operation) => {
      operation.error = `retrying after: ${error.slice(0, 3900)}`;
    });
  }

  async noteWaiting(id: string, forOperator: string, forClub: string): Promise<Operation> {
    return this.mutate(id, (operation) => {
      operation.error = forOperator.slice(0, 4000);
      const step = operation.steps.find((candidate) => candidate.state === 'running') ?? operation.steps.find((candidate) => candidate.state === 'pending');
      if (step) step.message = forClub;
    });
  }

  private step(operation: Operation, name: string): OperationStep {
    const step = operation.steps.find((candidate) => candidate.name === name);
    if (step) return step;
    // an operation queued by an older release lacks a step added since: put it where the kind has it
    const kind = OPERATION_KINDS[operation.kind as OperationKind] as readonly { name: string; title: string }[] | undefined;
    const index = kind?.findIndex((candidate) => candidate.name === name) ?? -1;
    if (!kind || index < 0) throw new Error(`operation ${operation.kind} has no step ${name}`);
    const added: OperationStep = { name, title: kind[index].title, state: 'pending' };
    const before = operation.steps.findIndex((candidate) => kind.findIndex((k) => k.name === candidate.name) > index);
    operation.steps.splice(before < 0 ? operation.steps.length : before, 0, added);
    return added;
  }

  private async mutate(id: string, change: (operation: Operation) => void, manager: EntityManager = this.dataSource.manager): Promise<Operation> {
    const operation = await manager.findOne(Operation, { where: { id } });
    if (!operation) throw new NotFoundError('Operation', id);
    change(operation);
    operation.progress = operation.state === 'succeeded' ? 100 : progressOf(operation.steps);
    return manager.save(operation);
  }
}
