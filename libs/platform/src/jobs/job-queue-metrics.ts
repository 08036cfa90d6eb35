import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MetricsCollector, type MetricFamily } from '../metrics/metric-family.js';
import type { LiveJob } from './job-queue.js';

/** pg-boss's states of a job that has not finished, as LiveJob names them. */
export const UNFINISHED_JOB_STATES = ['created', 'retry', 'active'] as const satisfies readonly LiveJob['state'][];

export interface QueueRow {
  queue: string;
  created: number;
  retry: number;
  active: number;
  oldestDueSeconds: number;
}

/** How deep each durable queue is: one aggregate over pg-boss's job table (finished jobs are archived by pg-boss). */
@Injectable()
export class JobQueueMetrics extends MetricsCollector {
  readonly name = 'jobs';

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async collect(): Promise<MetricFamily[]> {
    const rows: QueueRow[] = await this.dataSource.query(
      `select q.name as queue,
              count(j.id) filter (where j.state = 'created')::int as created,
              count(j.id) filter (where j.state = 'retry')::int as retry,
              count(j.id) filter (where j.state = 'active')::int as active,
              coalesce(extract(epoch from now() - min(j.start_after) filter (where j.state in ('created', 'retry') and j.start_after <= now())), 0)::float8 as "oldestDueSeconds"
         from pgboss.queue q
         left join pgboss.job j on j.name = q.name and j.state < 'completed'
        group by q.name`,
    );
    return jobQueueFamilies(rows);
  }
}

/** Pure: the queue rows as metric families. */
export function jobQueueFamilies(rows: readonly QueueRow[]): MetricFamily[] {
  return [
    {
      type: 'gauge',
      name: 'allmende_job_queue_jobs',
      help: 'Unfinished jobs per durable queue: created (waiting), retry (waiting for a retry after a failure), active (being run)',
      labelNames: ['queue', 'state'],
      samples: rows.flatMap((row) => UNFINISHED_JOB_STATES.map((state) => ({ labels: { queue: row.queue, state }, value: row[state] }))),
    },
    {
      type: 'gauge',
      name: 'allmende_job_queue_oldest_due_seconds',
      help: 'Seconds the oldest job that is due has waited for a worker (0 when none waits)',
      labelNames: ['queue'],
      samples: rows.map((row) => ({ labels: { queue: row.queue }, value: row.oldestDueSeconds })),
    },
  ];
}
