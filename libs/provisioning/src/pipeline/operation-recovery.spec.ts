import type { LiveJob } from '#platform/jobs';
import { recoveryAction } from './operation-recovery.js';

const now = new Date('2026-11-30T12:00:00Z');
const secondsAgo = (seconds: number) => new Date(now.getTime() - seconds * 1000);
const job = (state: LiveJob['state'], startedSecondsAgo: number | null = null, id = `job-${state}`): LiveJob => ({
  id,
  state,
  startedAt: startedSecondsAgo === null ? null : secondsAgo(startedSecondsAgo),
  retryCount: 0,
});
const running = { state: 'running' as const, updatedAt: secondsAgo(600) };

// Recovery only asks about operations whose tenant lock nobody holds.
describe('recoveryAction: an unfinished operation whose tenant nobody holds', () => {
  it('leaves an operation that only waits for its retry (one chain of jobs, one attempt counter)', () => {
    expect(recoveryAction(running, [job('retry')], now)).toEqual({ kind: 'leave' });
    expect(recoveryAction(running, [job('created')], now)).toEqual({ kind: 'leave' });
  });

  it('cancels the active job of a dead worker and sends one new job, instead of waiting for its expiry in an hour', () => {
    expect(recoveryAction(running, [job('active', 30, 'j1')], now)).toEqual({ kind: 'resend', orphans: ['j1'] });
  });

  it('leaves an active job that started a moment ago (its worker is about to take the lock)', () => {
    expect(recoveryAction(running, [job('active', 1)], now)).toEqual({ kind: 'leave' });
  });

  it('sends a job for an operation that has none, unless it was queued a moment ago', () => {
    expect(recoveryAction(running, [], now)).toEqual({ kind: 'resend', orphans: [] });
    expect(recoveryAction({ state: 'queued', updatedAt: secondsAgo(10) }, [], now)).toEqual({ kind: 'leave' });
    expect(recoveryAction({ state: 'queued', updatedAt: secondsAgo(300) }, [], now)).toEqual({ kind: 'resend', orphans: [] });
  });

  it('does nothing while a waiting job exists next to an orphan (the waiting one carries on)', () => {
    expect(recoveryAction(running, [job('active', 300), job('retry')], now)).toEqual({ kind: 'leave' });
  });
});
