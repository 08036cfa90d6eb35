import type { RolloutTargetState, UpgradeRollout } from '../entities/index.js';

/** What a running rollout does next (decided without I/O; the driver applies it). */
export type RolloutMove =
  | { kind: 'wait'; why: string }
  /** The batch's last upgrade ended: the pause before the next batch starts now. */
  | { kind: 'batch-finished' }
  | { kind: 'stop'; reason: string }
  | { kind: 'complete' }
  | { kind: 'start-batch'; batch: number; size: number };

export function nextRolloutMove(
  rollout: Pick<UpgradeRollout, 'canarySize' | 'batchSize' | 'pauseSeconds' | 'maxFailures' | 'batchesStarted' | 'lastBatchFinishedAt'>,
  targets: readonly { state: RolloutTargetState }[],
  now: Date,
): RolloutMove {
  const count = (state: RolloutTargetState) => targets.filter((target) => target.state === state).length;
  if (count('running') > 0) return { kind: 'wait', why: `${count('running')} upgrade(s) of batch ${rollout.batchesStarted} running` };
  if (count('failed') > rollout.maxFailures) {
    return { kind: 'stop', reason: `${count('failed')} upgrade(s) failed, more than the ${rollout.maxFailures} allowed: the rollout stopped by itself` };
  }
  if (count('pending') === 0) return { kind: 'complete' };
  if (rollout.batchesStarted > 0 && !rollout.lastBatchFinishedAt) return { kind: 'batch-finished' };
  if (rollout.lastBatchFinishedAt) {
    const due = rollout.lastBatchFinishedAt.getTime() + rollout.pauseSeconds * 1000;
    if (now.getTime() < due) return { kind: 'wait', why: `pausing for health until ${new Date(due).toISOString()}` };
  }
  const batch = rollout.batchesStarted + 1;
  return { kind: 'start-batch', batch, size: batch === 1 ? rollout.canarySize : rollout.batchSize };
}
