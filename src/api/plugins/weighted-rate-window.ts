/** What one request asking for `units` was told. */
export interface RateDecision {
  allowed: boolean;
  /** Units the key may still use in its current window. */
  remaining: number;
  /** Milliseconds until the current window ends. */
  resetMs: number;
  /** When refused: milliseconds until the same request would be allowed. */
  retryAfterMs: number;
}

interface Window {
  used: number;
  start: number;
}

/** Past this many keys, windows that have ended are dropped (addresses are unbounded). */
const PRUNE_ABOVE = 10_000;

/**
 * A per-key fixed window of `max` units per `windowMs`, where one request may take several
 * units: a tuning job takes one per trial it queues, so it cannot do what the training jobs
 * it queues could not. A key with nothing counted may take more than `max` at once (a tuning
 * job of 100 trials under a limit of 30 a minute); the excess is carried into the windows
 * that follow, so the key then waits until its average is back under the limit. The window
 * starts at a key's first counted request, as @fastify/rate-limit's does.
 */
export function weightedRateWindow(max: number, windowMs: number) {
  const windows = new Map<string, Window>();

  /** The key's window at `now`, with the units of the windows that ended paid off. */
  function settle(key: string, now: number): Window {
    const window = windows.get(key) ?? { used: 0, start: now };
    const ended = Math.floor((now - window.start) / windowMs);
    if (ended > 0) {
      window.used = Math.max(0, window.used - ended * max);
      window.start = window.used > 0 ? window.start + ended * windowMs : now;
    }
    return window;
  }

  function prune(now: number): void {
    if (windows.size <= PRUNE_ABOVE) return;
    for (const [key, window] of windows) {
      if (now - window.start >= windowMs && window.used <= max) windows.delete(key);
    }
  }

  return {
    take(key: string, units: number, now = Date.now()): RateDecision {
      prune(now);
      const window = settle(key, now);
      const allowed = window.used === 0 || window.used + units <= max;
      let retryAfterMs = 0;
      if (allowed) {
        window.used += units;
        windows.set(key, window);
      } else {
        // Windows to wait: until the units left fit, or until nothing is counted if they never can.
        const excess = units <= max ? window.used + units - max : window.used;
        retryAfterMs = window.start + Math.ceil(excess / max) * windowMs - now;
      }
      return {
        allowed,
        remaining: Math.max(0, max - window.used),
        resetMs: window.start + windowMs - now,
        retryAfterMs,
      };
    },
  };
}
