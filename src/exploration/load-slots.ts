import { ExplorationError } from './errors.js';

/** Seconds a client turned away by `LoadSlots` is asked to wait (a load takes about one). */
export const BUSY_RETRY_AFTER_SECONDS = 5;

/**
 * At most `slots` loads at once, and at most `waiting` more queued behind them; any further
 * one is refused with EXPLORATION_BUSY at once. A split data set takes about 110 MB while it is
 * loaded, so this, not the cache size, bounds what concurrent requests can make the API hold.
 */
export class LoadSlots {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly slots: number,
    private readonly waiting: number,
  ) {}

  /** Whether `run` would start or queue a task now rather than refuse it. */
  get hasRoom(): boolean {
    return this.active < this.slots || this.queue.length < this.waiting;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.slots) {
      this.active++;
    } else if (this.queue.length < this.waiting) {
      // The slot is handed over by the task that ends, so `active` stays as it is.
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      throw busy(this.slots, this.waiting);
    }
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export function busy(slots: number, waiting: number): ExplorationError {
  return new ExplorationError(
    'EXPLORATION_BUSY',
    `the server is already loading ${slots + waiting} data set splits (${slots} at a time, ${waiting} waiting); retry in ${BUSY_RETRY_AFTER_SECONDS} s, or ask for a split already loaded`,
    { retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS },
  );
}
