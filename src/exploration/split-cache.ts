import { ExplorationError } from './errors.js';
import { type DatasetSplits, type SplitStats, splitStats } from './split-stats.js';

/** Loads data set `id` split with `testPerClass` (undefined: training's default). */
export type SplitLoader = (id: string, testPerClass: number | undefined) => Promise<DatasetSplits>;

export interface SplitCacheOptions {
  /**
   * Split data sets kept in memory for the image routes, least recently used dropped first.
   * The built-in Fashion-MNIST takes 55 MB split, so only a few are kept.
   */
  splits?: number;
  /** Statistics kept: a few kB each, so many. */
  stats?: number;
}

/**
 * Split data sets and their statistics, loaded once and reused: data sets never change once
 * uploaded, so nothing ever goes stale. Concurrent requests for the same split share one load.
 * A split the data cannot make is remembered as such (the same request would fail the same
 * way); any other failure, such as the built-in set missing from disk, is tried again.
 */
export class SplitCache {
  private readonly splits = new Map<string, Promise<DatasetSplits>>();
  private readonly stats = new Map<string, SplitStats>();
  private readonly maxSplits: number;
  private readonly maxStats: number;

  constructor(
    private readonly load: SplitLoader,
    options: SplitCacheOptions = {},
  ) {
    this.maxSplits = options.splits ?? 2;
    this.maxStats = options.stats ?? 256;
  }

  split(id: string, testPerClass: number | undefined): Promise<DatasetSplits> {
    const key = keyOf(id, testPerClass);
    let pending = this.splits.get(key);
    if (!pending) {
      const loading = this.load(id, testPerClass);
      loading.catch((err: unknown) => {
        if (!(err instanceof ExplorationError) && this.splits.get(key) === loading) {
          this.splits.delete(key);
        }
      });
      pending = loading;
    }
    remember(this.splits, key, pending, this.maxSplits);
    return pending;
  }

  async statsOf(id: string, testPerClass: number | undefined): Promise<SplitStats> {
    const key = keyOf(id, testPerClass);
    const known = this.stats.get(key) ?? splitStats(await this.split(id, testPerClass));
    remember(this.stats, key, known, this.maxStats);
    return known;
  }
}

function keyOf(id: string, testPerClass: number | undefined): string {
  return `${id}/${testPerClass ?? 'default'}`;
}

/** Inserts or refreshes `key` as the newest entry, dropping the oldest beyond `capacity`. */
function remember<V>(map: Map<string, V>, key: string, value: V, capacity: number): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= capacity) break;
    map.delete(oldest);
  }
}
