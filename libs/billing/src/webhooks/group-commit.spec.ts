import { GroupCommit } from './group-commit.js';

/** A writer that records its batches and refuses any batch containing a poisoned item. */
function recordingWriter(poisoned: ReadonlySet<string> = new Set()) {
  const batches: string[][] = [];
  const write = async (items: string[]) => {
    batches.push([...items]);
    await new Promise((resolve) => setImmediate(resolve));
    const bad = items.find((item) => poisoned.has(item));
    if (bad) throw new Error(`cannot write ${bad}`);
    return items.map((item) => `stored ${item}`);
  };
  return { batches, write };
}

const settle = <T>(promises: Promise<T>[]) => Promise.allSettled(promises);

describe('GroupCommit', () => {
  it('writes what arrives in the same turn as one batch and answers each submitter with its own result', async () => {
    const writer = recordingWriter();
    const commit = new GroupCommit(writer.write);
    const results = await Promise.all(['a', 'b', 'c'].map((item) => commit.submit(item)));
    expect(results).toEqual(['stored a', 'stored b', 'stored c']);
    expect(writer.batches).toEqual([['a', 'b', 'c']]);
  });

  it('fails only the item that spoils a batch: the others are written one by one and succeed', async () => {
    const writer = recordingWriter(new Set(['bad']));
    const splits: number[] = [];
    const commit = new GroupCommit(writer.write, undefined, (size) => splits.push(size));
    const results = await settle(['a', 'bad', 'b', 'c'].map((item) => commit.submit(item)));
    expect(splits).toEqual([4]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message))).toEqual(['stored a', 'cannot write bad', 'stored b', 'stored c']);
    expect(writer.batches).toEqual([['a', 'bad', 'b', 'c'], ['a'], ['bad'], ['b'], ['c']]);
  });

  it('rejects a lone item that cannot be written, and keeps serving later submissions', async () => {
    const writer = recordingWriter(new Set(['bad']));
    const commit = new GroupCommit(writer.write);
    await expect(commit.submit('bad')).rejects.toThrow('cannot write bad');
    await expect(commit.submit('good')).resolves.toBe('stored good');
  });

  it('splits large bursts into batches of at most maxBatch, with at most maxFlushesInFlight writes at a time', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const sizes: number[] = [];
    const commit = new GroupCommit(
      async (items: number[]) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        sizes.push(items.length);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return items.map((item) => item * 2);
      },
      { maxBatch: 10, maxFlushesInFlight: 2 },
    );
    const results = await Promise.all(Array.from({ length: 45 }, (_, index) => commit.submit(index)));
    expect(results).toEqual(Array.from({ length: 45 }, (_, index) => index * 2));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(45);
    expect(mostInFlight).toBeLessThanOrEqual(2);
  });
});
