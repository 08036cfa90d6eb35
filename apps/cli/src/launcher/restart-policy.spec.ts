import { afterExit, STABLE_AFTER_MS } from './restart-policy.js';

describe('afterExit: how the launcher restarts a crashed process', () => {
  it('restarts after a growing pause while it keeps crashing, up to a minute, never giving up', () => {
    let crashes = 0;
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const verdict = afterExit(crashes, 2000);
      crashes = verdict.crashesInARow;
      delays.push(verdict.delayMs);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    expect(afterExit(100, 10).delayMs).toBe(60_000);
  });

  it('reports a crash loop from the third crash in a row', () => {
    expect(afterExit(0, 10).crashLooping).toBe(false);
    expect(afterExit(1, 10).crashLooping).toBe(false);
    expect(afterExit(2, 10).crashLooping).toBe(true);
  });

  it('starts counting again after a process stayed up for a while', () => {
    expect(afterExit(6, STABLE_AFTER_MS)).toEqual({ crashesInARow: 1, delayMs: 1000, crashLooping: false });
  });
});
