import type { RolloutTargetState } from '../entities/index.js';
import { nextRolloutMove } from './rollout-progress.js';

const rollout = { canarySize: 1, batchSize: 2, pauseSeconds: 60, maxFailures: 0, batchesStarted: 0, lastBatchFinishedAt: null as Date | null };
const targets = (...states: RolloutTargetState[]) => states.map((state) => ({ state }));
const now = new Date('2026-12-01T10:00:00Z');

describe('nextRolloutMove', () => {
  it('starts with the canary batch, then batches of batchSize', () => {
    expect(nextRolloutMove(rollout, targets('pending', 'pending', 'pending'), now)).toEqual({ kind: 'start-batch', batch: 1, size: 1 });
    const later = { ...rollout, batchesStarted: 1, lastBatchFinishedAt: new Date(now.getTime() - 61_000) };
    expect(nextRolloutMove(later, targets('succeeded', 'pending', 'pending'), now)).toEqual({ kind: 'start-batch', batch: 2, size: 2 });
  });

  it('waits while a batch runs, marks its end, then pauses for health before the next', () => {
    const started = { ...rollout, batchesStarted: 1 };
    expect(nextRolloutMove(started, targets('running', 'pending'), now).kind).toBe('wait');
    expect(nextRolloutMove(started, targets('succeeded', 'pending'), now)).toEqual({ kind: 'batch-finished' });
    const pausing = { ...started, lastBatchFinishedAt: new Date(now.getTime() - 30_000) };
    expect(nextRolloutMove(pausing, targets('succeeded', 'pending'), now)).toMatchObject({ kind: 'wait', why: expect.stringContaining('pausing for health') });
  });

  it('stops by itself when failures pass the threshold, before starting more', () => {
    const started = { ...rollout, batchesStarted: 2, lastBatchFinishedAt: new Date(0) };
    expect(nextRolloutMove(started, targets('succeeded', 'failed', 'pending'), now)).toMatchObject({ kind: 'stop' });
    expect(nextRolloutMove({ ...started, maxFailures: 1 }, targets('succeeded', 'failed', 'pending'), now)).toMatchObject({ kind: 'start-batch', batch: 3 });
    // a running upgrade finishes first: its outcome counts too
    expect(nextRolloutMove(started, targets('failed', 'running', 'pending'), now).kind).toBe('wait');
  });

  it('completes when nothing is pending (skipped tenants do not count)', () => {
    expect(nextRolloutMove({ ...rollout, batchesStarted: 2 }, targets('succeeded', 'skipped', 'succeeded'), now)).toEqual({ kind: 'complete' });
  });
});
