import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '#platform';
import { JobQueue } from '#platform/jobs';
import { OPERATION_QUEUE } from '../operations/operation-queue.js';
import { OperationHandler, OperationRunner } from './operation-runner.js';
import { OperationRecovery } from './operation-recovery.js';

export const OPERATION_HANDLERS = Symbol('OPERATION_HANDLERS');

/** In the worker process: consumes the operation queue and recovers what a previous run left unfinished. */
@Injectable()
export class OperationWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger(OperationWorker.name);

  constructor(
    private readonly queue: JobQueue,
    private readonly runner: OperationRunner,
    private readonly recovery: OperationRecovery,
    @Inject(OPERATION_HANDLERS) private readonly handlers: OperationHandler[],
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const handler of this.handlers) this.runner.register(handler);
    const concurrency = this.config.runtime.workerConcurrency;
    await this.queue.work<{ operationId: string }>(OPERATION_QUEUE, { concurrency }, (job) =>
      this.runner.run(job.data.operationId, { retryCount: job.retryCount, retryLimit: job.retryLimit }),
    );
    await this.recovery.recover(0);
    this.logger.log(`running operations (concurrency ${concurrency})`);
  }
}
