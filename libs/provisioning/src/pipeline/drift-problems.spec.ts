import { driftProblems } from './drift-problems.js';

const drift = { missing: ['a-web'], outdated: ['a-db'], stopped: ['a-cache'], unexpected: ['a-old'], limitsChanged: ['a-worker'], inSync: false };

describe('drift problems', () => {
  it('names every difference of a tenant that should run', () => {
    expect(driftProblems(drift, true)).toEqual(['a-web missing', 'a-db outdated', 'a-cache stopped', 'a-old unexpected', 'a-worker resource limits changed outside Allmende']);
  });

  it('does not count stopped containers of a suspended tenant', () => {
    expect(driftProblems(drift, false)).toEqual(['a-web missing', 'a-db outdated', 'a-old unexpected', 'a-worker resource limits changed outside Allmende']);
  });

  it('finds nothing when in sync', () => {
    expect(driftProblems({ missing: [], outdated: [], stopped: [], unexpected: [], limitsChanged: [], inSync: true }, true)).toEqual([]);
  });
});
