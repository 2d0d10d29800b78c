import { ExplorationError } from './errors.js';
import { busy, LoadSlots } from './load-slots.js';
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
  /** Distinct splits loaded at once (requests for the same split share its load). */
  loads?: number;
  /** Distinct loads queued behind those; any more are refused with EXPLORATION_BUSY. */
  waiting?: number;
}

/** One load at a time and four queued: a load holds about 110 MB of Fashion-MNIST. */
export const SPLIT_LOAD_LIMITS = { loads: 1, waiting: 4 } as const;

/**
 * Split data sets and their statistics, loaded once and reused: data sets never change once
 * uploaded, so nothing ever goes stale. Concurrent requests for the same split share one load.
 * A split the data cannot make is remembered as such (the same request would fail the same
 * way); any other failure, such as the built-in set missing from disk, is tried again.
 * Distinct loads go through a few slots (`LoadSlots`): the cache bounds what is kept, the
 * slots what is being loaded, so many requests with different splits cannot add up.
 */
export class SplitCache {
  private readonly splits = new Map<string, Promise<DatasetSplits>>();
  private readonly stats = new Map<string, SplitStats>();
  private readonly maxSplits: number;
  private readonly maxStats: number;
  private readonly slots: LoadSlots;
  private readonly loads: number;
  private readonly waiting: number;

  constructor(
    private readonly load: SplitLoader,
    options: SplitCacheOptions = {},
  ) {
    this.maxSplits = options.splits ?? 2;
    this.maxStats = options.stats ?? 256;
    this.loads = options.loads ?? SPLIT_LOAD_LIMITS.loads;
    this.waiting = options.waiting ?? SPLIT_LOAD_LIMITS.waiting;
    this.slots = new LoadSlots(this.loads, this.waiting);
  }

  split(id: string, testPerClass: number | undefined): Promise<DatasetSplits> {
    const key = keyOf(id, testPerClass);
    let pending = this.splits.get(key);
    if (!pending) {
      // Refused before it enters the cache, so a busy answer never evicts a loaded split.
      if (!this.slots.hasRoom) return Promise.reject(busy(this.loads, this.waiting));
      const loading = this.slots.run(() => this.load(id, testPerClass));
      loading.catch((err: unknown) => {
        const remembered = err instanceof ExplorationError && err.code === 'SPLIT_UNAVAILABLE';
        if (!remembered && this.splits.get(key) === loading) this.splits.delete(key);
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
