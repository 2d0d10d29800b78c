import { beforeAll, describe, expect, it } from 'vitest';
import { CLASS_NAMES, type LabelledImageSet, seedSplit } from '../../src/data/index.js';
import { ExplorationError } from '../../src/exploration/errors.js';
import { SplitCache, type SplitLoader } from '../../src/exploration/split-cache.js';
import type { DatasetSplits } from '../../src/exploration/split-stats.js';
import { firstRealImages } from '../support/dataset-files.js';

let train: LabelledImageSet;
let test: LabelledImageSet;

beforeAll(async () => {
  ({ train, test } = await firstRealImages(200, 100));
});

/** Splits real images as training would, counting the loads a cache asks for. */
function countingLoader(fail?: (id: string) => Error | undefined) {
  const loads: string[] = [];
  const load: SplitLoader = async (id, testPerClass) => {
    loads.push(`${id}/${testPerClass}`);
    const error = fail?.(id);
    if (error) throw error;
    const split = seedSplit(train, test, { perClass: testPerClass ?? 2 });
    return { ...split, classNames: CLASS_NAMES } satisfies DatasetSplits;
  };
  return { load, loads };
}

describe('SplitCache', () => {
  it('loads a data set once for its statistics and its images, even when asked at once', async () => {
    const { load, loads } = countingLoader();
    const cache = new SplitCache(load);
    const [a, b] = await Promise.all([cache.statsOf('ds-a', 3), cache.statsOf('ds-a', 3)]);
    expect(b).toEqual(a);
    const again = await cache.statsOf('ds-a', 3);
    expect(again).toEqual(a);
    // Kept, not recomputed.
    expect(await cache.statsOf('ds-a', 3)).toBe(again);
    expect((await cache.split('ds-a', 3)).test.count).toBe(30);
    expect(loads).toEqual(['ds-a/3']);
    // Another split of the same data set is another load.
    expect((await cache.statsOf('ds-a', undefined)).splits.test.count).toBe(20);
    expect(loads).toEqual(['ds-a/3', 'ds-a/undefined']);
  });

  it('keeps statistics after their split has made room for others', async () => {
    const { load, loads } = countingLoader();
    const cache = new SplitCache(load, { splits: 1 });
    await cache.statsOf('ds-a', 2);
    await cache.split('ds-b', 2);
    await cache.statsOf('ds-a', 2);
    expect(loads).toEqual(['ds-a/2', 'ds-b/2']);
    await cache.split('ds-a', 2);
    expect(loads).toEqual(['ds-a/2', 'ds-b/2', 'ds-a/2']);
  });

  it('remembers a split the data cannot make, and retries other failures', async () => {
    const { load, loads } = countingLoader((id) =>
      id === 'ds-small'
        ? new ExplorationError('SPLIT_UNAVAILABLE', 'label 3 has only 20 rows')
        : id === 'ds-flaky'
          ? new Error('disk unavailable')
          : undefined,
    );
    const cache = new SplitCache(load);
    for (let i = 0; i < 2; i++) {
      await expect(cache.statsOf('ds-small', 5)).rejects.toMatchObject({
        code: 'SPLIT_UNAVAILABLE',
      });
      await expect(cache.split('ds-flaky', 5)).rejects.toThrow('disk unavailable');
    }
    expect(loads).toEqual(['ds-small/5', 'ds-flaky/5', 'ds-flaky/5']);
  });

  it('loads distinct splits one at a time, queues a few and refuses the rest with 503', async () => {
    const { load } = countingLoader();
    let inFlight = 0;
    let most = 0;
    const measured: SplitLoader = async (id, testPerClass) => {
      most = Math.max(most, ++inFlight);
      try {
        // Held a moment so concurrent requests really overlap.
        await new Promise((done) => setTimeout(done, 10));
        return await load(id, testPerClass);
      } finally {
        inFlight--;
      }
    };
    const cache = new SplitCache(measured);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, n) => cache.statsOf('ds-a', n + 1)),
    );
    expect(most).toBe(1);
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    expect(refused).toHaveLength(15);
    expect(refused[0]).toMatchObject({
      reason: {
        code: 'EXPLORATION_BUSY',
        message:
          'the server is already loading 5 data set splits (1 at a time, 4 waiting); retry in 5 s, or ask for a split already loaded',
      },
    });
    // Refusals are not remembered: the same split loads once there is room.
    expect((await cache.statsOf('ds-a', 10)).splits.test.count).toBe(100);
  });

  it('serves a loaded or loading split while busy, without a slot', async () => {
    const { load, loads } = countingLoader();
    const cache = new SplitCache(load, { loads: 1, waiting: 0 });
    const first = cache.split('ds-a', 2);
    await expect(cache.split('ds-a', 3)).rejects.toMatchObject({ code: 'EXPLORATION_BUSY' });
    expect(await cache.split('ds-a', 2)).toBe(await first);
    expect(loads).toEqual(['ds-a/2']);
  });
});
