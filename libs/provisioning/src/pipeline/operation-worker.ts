import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '#platform';
import { JobQueue, Scheduler } from '#platform/jobs';
import { OPERATION_QUEUE, type OperationJob } from '../operations/operation-queue.js';
import { OperationHandler, OperationRunner } from './operation-runner.js';
import { OperationRecovery } from './operation-recovery.js';

export const OPERATION_HANDLERS = Symbol('OPERATION_HANDLERS');

/** How often the worker looks for operations a dead worker left behind (its first look is at start). */
export const RECOVERY_INTERVAL_MS = 10_000;

/** In the worker process: consumes the operation queue and recovers what a dead worker left unfinished. */
@Injectable()
export class OperationWorker implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(OperationWorker.name);

  constructor(
    private readonly queue: JobQueue,
    private readonly runner: OperationRunner,
    private readonly recovery: OperationRecovery,
    private readonly scheduler: Scheduler,
    @Inject(OPERATION_HANDLERS) private readonly handlers: OperationHandler[],
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: 'provisioning.recovery',
      intervalMs: Math.min(RECOVERY_INTERVAL_MS, this.config.reconcileIntervalSeconds * 1000),
      run: async () => void (await this.recovery.recover()),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const handler of this.handlers) this.runner.register(handler);
    const concurrency = this.config.runtime.workerConcurrency;
    await this.queue.work<OperationJob>(OPERATION_QUEUE, { concurrency }, (job) =>
      this.runner.run(job.data.operationId, { retryCount: job.retryCount, retryLimit: job.retryLimit, engineWaits: job.data.engineWaits }),
    );
    this.logger.log(`running operations (concurrency ${concurrency})`);
  }
}
