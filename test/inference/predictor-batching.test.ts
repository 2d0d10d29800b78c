import { describe, expect, it } from 'vitest';
import { MicroBatcher } from '../../src/inference/micro-batcher.js';
import { ModelCache } from '../../src/inference/model-cache.js';

describe('ModelCache', () => {
  it('evicts the least recently used model beyond its capacity', () => {
    const cache = new ModelCache(2);
    expect(cache.use('a')).toEqual([]);
    expect(cache.use('b')).toEqual([]);
    expect(cache.use('a')).toEqual([]);
    expect(cache.use('c')).toEqual(['b']);
    expect(cache.list()).toEqual(['a', 'c']);
    expect(cache.has('b')).toBe(false);
    expect(() => new ModelCache(0)).toThrow(RangeError);
  });
});

/** A batcher whose runs double each item and are recorded. */
function doubling(maxBatch: number, maxDelayMs = 5) {
  const runs: number[][] = [];
  const batcher = new MicroBatcher<string, number, number>(
    async (_context, items) => {
      runs.push(items);
      return items.map((x) => x * 2);
    },
    { maxBatch, maxDelayMs },
  );
  return { batcher, runs };
}

describe('MicroBatcher', () => {
  it('merges requests of one key that arrive within the delay, and answers each in order', async () => {
    const { batcher, runs } = doubling(10);
    const answers = await Promise.all([
      batcher.add('m', 'ctx', [1, 2]),
      batcher.add('m', 'ctx', [3]),
      batcher.add('other', 'ctx', [4]),
    ]);
    expect(answers).toEqual([[2, 4], [6], [8]]);
    expect(runs).toEqual([[1, 2, 3], [4]]);
  });

  it('runs a batch as soon as it is full and never splits a request', async () => {
    const { batcher, runs } = doubling(3, 10_000);
    const full = batcher.add('m', 'ctx', [1, 2, 3]);
    await expect(full).resolves.toEqual([2, 4, 6]);
    const first = batcher.add('m', 'ctx', [1, 2]);
    const second = batcher.add('m', 'ctx', [3, 4, 5, 6]);
    await expect(Promise.all([first, second])).resolves.toEqual([
      [2, 4],
      [6, 8, 10, 12],
    ]);
    expect(runs).toEqual([
      [1, 2, 3],
      [1, 2],
      [3, 4, 5, 6],
    ]);
  });

  it('runs at once while a slot is free, and gathers requests while every slot is busy', async () => {
    const runs: number[][] = [];
    const held: Array<() => void> = [];
    const batcher = new MicroBatcher<string, number, number>(
      (_context, items) => {
        runs.push(items);
        return new Promise((resolve) => held.push(() => resolve(items.map((x) => x * 2))));
      },
      { maxBatch: 4, maxDelayMs: 0, maxRunning: 1 },
    );
    const first = batcher.add('m', 'ctx', [1]);
    expect(runs).toEqual([[1]]);
    // The only slot is busy: these gather, a full batch closes and the next one opens.
    const waiting = [2, 3, 4, 5, 6].map((x) => batcher.add('m', 'ctx', [x]));
    const other = batcher.add('other', 'ctx', [7]);
    expect(runs).toEqual([[1]]);
    held.shift()?.();
    await expect(first).resolves.toEqual([2]);
    expect(runs).toEqual([[1], [2, 3, 4, 5]]);
    held.shift()?.();
    await expect(Promise.all(waiting.slice(0, 4))).resolves.toEqual([[4], [6], [8], [10]]);
    // Oldest first: the sixth request's batch was opened before the other key's.
    expect(runs.at(-1)).toEqual([6]);
    held.shift()?.();
    await expect(waiting[4]).resolves.toEqual([12]);
    expect(runs.at(-1)).toEqual([7]);
    held.shift()?.();
    await expect(other).resolves.toEqual([14]);
    expect(held).toEqual([]);
  });

  it('with a delay, waits for companions only while a slot is free', async () => {
    const { batcher, runs } = doubling(8, 10_000);
    const alone = batcher.add('m', 'ctx', [1]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs).toEqual([]);
    batcher.cancel(new Error('closed'));
    await expect(alone).rejects.toThrow('closed');
  });

  it('rejects every request of a failed run, and pending ones when cancelled', async () => {
    const failing = new MicroBatcher<string, number, number>(
      async () => {
        throw new Error('worker died');
      },
      { maxBatch: 8, maxDelayMs: 1 },
    );
    const a = failing.add('m', 'ctx', [1]);
    const b = failing.add('m', 'ctx', [2]);
    await expect(a).rejects.toThrow('worker died');
    await expect(b).rejects.toThrow('worker died');
    const { batcher, runs } = doubling(8, 10_000);
    const waiting = batcher.add('m', 'ctx', [1]);
    batcher.cancel(new Error('closed'));
    await expect(waiting).rejects.toThrow('closed');
    expect(runs).toEqual([]);
  });
});
