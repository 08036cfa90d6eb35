import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, In, LessThan } from 'typeorm';
import { Operation } from '../entities/index.js';
import { JobQueue } from '#platform/jobs';
import { OPERATION_QUEUE } from '../operations/operation-queue.js';
import { TenantLocks } from './tenant-locks.js';

/**
 * Finds operations a dead worker left behind and puts them back on the queue. A running
 * operation whose tenant lock nobody holds has lost its worker; a queued one that waited
 * too long may have lost its job. Sending again is harmless: handlers are idempotent and
 * a duplicate job of a finished operation does nothing.
 */
@Injectable()
export class OperationRecovery {
  private readonly logger = new Logger(OperationRecovery.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
    private readonly locks: TenantLocks,
  ) {}

  async recover(queuedOlderThanMs = 120_000): Promise<string[]> {
    const recovered: string[] = [];
    const running = await this.dataSource.manager.find(Operation, { where: { state: 'running' } });
    for (const operation of running) {
      if (!(await this.locks.isLocked(operation.targetId))) recovered.push(operation.id);
    }
    const stale = await this.dataSource.manager.find(Operation, {
      where: { state: In(['queued']), updatedAt: LessThan(new Date(Date.now() - queuedOlderThanMs)) },
    });
    recovered.push(...stale.map((operation) => operation.id));
    for (const operationId of recovered) {
      await this.queue.send(OPERATION_QUEUE, { operationId }, { id: randomUUID() });
    }
    if (recovered.length) this.logger.warn(`re-enqueued ${recovered.length} interrupted operation(s): ${recovered.join(', ')}`);
    return recovered;
  }
}
