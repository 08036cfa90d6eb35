import { Module } from '@nestjs/common';
import { JobQueue, PgBossJobQueue } from './job-queue.js';
import { Scheduler } from './scheduler.js';

/** The job queue and the scheduler; libraries that enqueue or schedule work import this. */
@Module({
  providers: [{ provide: JobQueue, useClass: PgBossJobQueue }, Scheduler],
  exports: [JobQueue, Scheduler],
})
export class JobsModule {}
