import { jobQueueFamilies } from './job-queue-metrics.js';

describe('job queue metrics (pure mapping)', () => {
  it("gives each queue its created, retry and active jobs, and its oldest due job's wait", () => {
    const [jobs, oldest] = jobQueueFamilies([{ queue: 'operation', created: 3, retry: 1, active: 0, oldestDueSeconds: 42.5 }]);
    expect(jobs).toMatchObject({
      name: 'allmende_job_queue_jobs',
      labelNames: ['queue', 'state'],
      samples: [
        { labels: { queue: 'operation', state: 'created' }, value: 3 },
        { labels: { queue: 'operation', state: 'retry' }, value: 1 },
        { labels: { queue: 'operation', state: 'active' }, value: 0 },
      ],
    });
    expect(oldest).toMatchObject({ name: 'allmende_job_queue_oldest_due_seconds', samples: [{ labels: { queue: 'operation' }, value: 42.5 }] });
  });
});
