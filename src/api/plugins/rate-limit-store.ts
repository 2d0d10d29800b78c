import { type RateDecision, weightedRateWindow } from './weighted-rate-window.js';

export type { RateDecision };

/**
 * Where the rate limits count: a weighted fixed window of `max` units per window for each
 * key (see weighted-rate-window.ts). `take` rejects when the counts cannot be reached; the
 * rate limit plugin decides what a request gets then.
 */
export interface RateLimitStore {
  take(key: string, max: number, units: number, now?: number): Promise<RateDecision>;
}

/**
 * Counts in this process' memory: what an app gets without Redis (tests, a lone process).
 * Keys with the same limit share a window map, each key counted apart, so a key's own limit
 * never changes what another key may do.
 */
export function memoryRateLimitStore(windowMs: number): RateLimitStore {
  const windows = new Map<number, ReturnType<typeof weightedRateWindow>>();
  return {
    async take(key, max, units, now) {
      let window = windows.get(max);
      if (window === undefined) {
        window = weightedRateWindow(max, windowMs);
        windows.set(max, window);
      }
      return window.take(key, units, now);
    },
  };
}
