import { MT19937 } from './mt19937.js';

/**
 * The parts of numpy's legacy `np.random.RandomState` (also behind `np.random.seed` and
 * `np.random.choice`) needed to reproduce its sampling bit for bit.
 */
export class LegacyRandomState {
  private readonly bits: MT19937;

  constructor(seed: number) {
    this.bits = new MT19937(seed);
  }

  nextUint32(): number {
    return this.bits.nextUint32();
  }

  /** Uniform integer in 0..max by masked rejection, as numpy's legacy `random_interval`. */
  randomInterval(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      // numpy switches to 64-bit draws above 2^32-1; no data set here is that large.
      throw new RangeError(`randomInterval supports 0..2^32-1, got ${max}`);
    }
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.bits.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /** In-place Fisher-Yates from the end, as numpy's legacy `shuffle` of a 1-d array. */
  shuffle(values: { length: number; [index: number]: number }): void {
    for (let i = values.length - 1; i >= 1; i--) {
      const j = this.randomInterval(i);
      const swap = values[i] as number;
      values[i] = values[j] as number;
      values[j] = swap;
    }
  }

  /** `permutation(n)`: a shuffled `arange(n)`. */
  permutation(n: number): Uint32Array {
    const values = new Uint32Array(n);
    for (let i = 0; i < n; i++) values[i] = i;
    this.shuffle(values);
    return values;
  }

  /** `choice(population, size, replace=False)`, which numpy implements as `permutation(len)[:size]`. */
  choiceWithoutReplacement(population: ArrayLike<number>, size: number): number[] {
    if (!Number.isInteger(size) || size < 0 || size > population.length) {
      throw new RangeError(`cannot take ${size} of ${population.length} items without replacement`);
    }
    const order = this.permutation(population.length);
    return Array.from(order.subarray(0, size), (i) => population[i] as number);
  }
}
