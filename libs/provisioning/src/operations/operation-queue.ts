import type { QueueDefinition } from '#platform/jobs';

/** Runs one Operation (provision, suspend, export...) by id; the runner retries transient failures with backoff. */
export const OPERATION_QUEUE: QueueDefinition = { name: 'operation', retryLimit: 8, retryDelay: 5, retryBackoff: true, expireInSeconds: 3600 };

/** A job of the operation queue. */
export interface OperationJob {
  operationId: string;
  /** Set on the jobs that check again for a Docker engine that did not answer. */
  engineWaits?: number;
}
