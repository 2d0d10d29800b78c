/**
 * Which models one inference worker holds, least recently used first. The pool keeps this
 * copy and tells the worker what to load and drop, so it knows without asking which worker
 * can answer at once and never holds more than `capacity` models in a worker.
 */
export class ModelCache {
  // A Map iterates in insertion order; re-inserting on use keeps the oldest first.
  private readonly keys = new Map<string, true>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`model cache capacity must be a positive integer, got ${capacity}`);
    }
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Marks `key` as just used (adding it if new); returns the keys that had to make room. */
  use(key: string): string[] {
    this.keys.delete(key);
    this.keys.set(key, true);
    const evicted: string[] = [];
    for (const oldest of this.keys.keys()) {
      if (this.keys.size <= this.capacity) break;
      this.keys.delete(oldest);
      evicted.push(oldest);
    }
    return evicted;
  }

  /** Forgets `key`, e.g. when the worker failed to load it. */
  delete(key: string): void {
    this.keys.delete(key);
  }

  list(): string[] {
    return [...this.keys.keys()];
  }
}
