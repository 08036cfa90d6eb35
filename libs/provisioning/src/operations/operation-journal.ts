import type { Operation, OperationFailureKind } from '../entities/index.js';

/**
 * What the operation runner records as an operation goes (a port: the operations table behind
 * it, OperationsService). Step updates are plain read-modify-write: the runner holds the tenant.
 */
export abstract class OperationJournal {
  abstract find(id: string): Promise<Operation | null>;
  /** Marks the operation running (another attempt); a step a crashed worker left running starts over. */
  abstract begin(id: string): Promise<Operation>;
  abstract stepStarted(id: string, name: string, message?: string): Promise<Operation>;
  abstract stepProgress(id: string, name: string, message: string): Promise<Operation>;
  abstract stepDone(id: string, name: string, message?: string, state?: 'done' | 'skipped' | 'failed'): Promise<Operation>;
  abstract succeed(id: string): Promise<Operation>;
  /** Fails the operation; `kind` says whether the cause may pass (default permanent). */
  abstract fail(id: string, error: string, kind?: OperationFailureKind): Promise<Operation>;
  /** Records a transient error while the job waits for its retry. */
  abstract noteRetry(id: string, error: string): Promise<Operation>;
  /**
   * Records that the operation waits for something outside it (a Docker engine that does not
   * answer): `forOperator` as its error, `forClub` on the step it stands at. Nothing else changes.
   */
  abstract noteWaiting(id: string, forOperator: string, forClub: string): Promise<Operation>;
  /** Unfinished operations of one target, oldest first. */
  abstract unfinishedFor(targetId: string): Promise<Operation[]>;
}
