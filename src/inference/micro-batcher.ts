export interface MicroBatchOptions {
  /** A batch is run as soon as it holds this many items (and a run slot is free). */
  maxBatch: number;
  /** Longest an item waits for others to share its batch while a run slot is free. */
  maxDelayMs: number;
  /**
   * Runs at once, one per inference worker; default unbounded. While every slot is busy,
   * batches keep gathering up to `maxBatch`, and a slot that frees takes the oldest one.
   */
  maxRunning?: number;
  /**
   * Told as each batch starts: how many items it runs and how long each request in it waited
   * since it was added (for metrics; must not throw).
   */
  onStart?: (items: number, waitsMs: readonly number[]) => void;
}

interface Waiter<O> {
  /** performance.now() when the request was added. */
  added: number;
  start: number;
  count: number;
  resolve: (outputs: O[]) => void;
  reject: (err: unknown) => void;
}

interface Group<C, I, O> {
  key: string;
  context: C;
  items: I[];
  waiters: Waiter<O>[];
  /** Full, or its delay has passed: it runs at the next free slot. */
  due: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * Merges concurrent requests for the same key into one run: a forward pass over 32 images
 * costs little more than over one. The batch size adapts to the load: when a run slot is
 * free a batch waits at most `maxDelayMs`, and while all slots are busy requests gather
 * until one frees, so the busier the workers, the larger their batches, and an idle
 * service answers without waiting. A request's items are never split across runs; one
 * larger than `maxBatch` runs on its own.
 */
export class MicroBatcher<C, I, O> {
  /** Batches not yet run, oldest first. */
  private readonly queue: Group<C, I, O>[] = [];
  /** The batch of each key that still takes items. */
  private readonly open = new Map<string, Group<C, I, O>>();
  private running = 0;

  constructor(
    private readonly run: (context: C, items: I[]) => Promise<O[]>,
    private readonly options: MicroBatchOptions,
  ) {}

  /** Resolves with one output per item, in order. `context` of a group's first request is used. */
  add(key: string, context: C, items: I[]): Promise<O[]> {
    let group = this.open.get(key);
    if (group && group.items.length + items.length > this.options.maxBatch) {
      this.close(group);
      group = undefined;
    }
    if (!group) group = this.openGroup(key, context);
    const joined = group;
    const outputs = new Promise<O[]>((resolve, reject) => {
      joined.waiters.push({
        added: performance.now(),
        start: joined.items.length,
        count: items.length,
        resolve,
        reject,
      });
    });
    for (const item of items) joined.items.push(item);
    if (joined.items.length >= this.options.maxBatch) this.close(joined);
    this.pump(false);
    return outputs;
  }

  /** Rejects every request that has not been run yet. */
  cancel(reason: Error): void {
    for (const group of this.queue) {
      clearTimeout(group.timer);
      for (const waiter of group.waiters) waiter.reject(reason);
    }
    this.queue.length = 0;
    this.open.clear();
  }

  private openGroup(key: string, context: C): Group<C, I, O> {
    const group: Group<C, I, O> = { key, context, items: [], waiters: [], due: false };
    if (this.options.maxDelayMs > 0) {
      group.timer = setTimeout(() => {
        group.due = true;
        this.pump(false);
      }, this.options.maxDelayMs);
    } else {
      group.due = true;
    }
    this.queue.push(group);
    this.open.set(key, group);
    return group;
  }

  /** No more items for this batch: it runs at the next free slot. */
  private close(group: Group<C, I, O>): void {
    if (this.open.get(group.key) === group) this.open.delete(group.key);
    group.due = true;
  }

  /**
   * Starts batches while slots are free: due ones, or after a run has finished the oldest
   * whatever its age, since its requests have waited for that slot already.
   */
  private pump(slotFreed: boolean): void {
    const limit = this.options.maxRunning ?? Number.POSITIVE_INFINITY;
    let takeAny = slotFreed;
    while (this.running < limit) {
      const index = takeAny ? (this.queue.length > 0 ? 0 : -1) : this.queue.findIndex((g) => g.due);
      if (index < 0) return;
      takeAny = false;
      const [group] = this.queue.splice(index, 1) as [Group<C, I, O>];
      this.close(group);
      clearTimeout(group.timer);
      this.start(group);
    }
  }

  private start(group: Group<C, I, O>): void {
    this.running++;
    if (this.options.onStart) {
      const now = performance.now();
      this.options.onStart(
        group.items.length,
        group.waiters.map((w) => now - w.added),
      );
    }
    const settle = () => {
      this.running--;
      // The next batch goes out before this one's answers are written.
      this.pump(true);
    };
    this.run(group.context, group.items).then(
      (outputs) => {
        settle();
        for (const w of group.waiters) w.resolve(outputs.slice(w.start, w.start + w.count));
      },
      (err: unknown) => {
        settle();
        for (const w of group.waiters) w.reject(err);
      },
    );
  }
}
