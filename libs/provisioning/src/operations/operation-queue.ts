import type { QueueDefinition } from '#platform/jobs';

/** Runs one Operation (provision, suspend, export...) by id; the runner retries transient failures with backoff. */
export const OPERATION_QUEUE: QueueDefinition = { name: 'operation', retryLimit: 8, retryDelay: 5, retryBackoff: true, expireInSeconds: 3600 };
