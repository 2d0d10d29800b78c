const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** The Mersenne Twister MT19937 of Matsumoto and Nishimura, producing 32-bit outputs. */
export class MT19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  /** Seeds like the reference `init_genrand`, which numpy's legacy `RandomState(int)` also uses. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`MT19937 seed must be an integer in 0..2^32-1, got ${seed}`);
    }
    this.state[0] = seed;
    for (let i = 1; i < N; i++) {
      const prev = this.state[i - 1] as number;
      this.state[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
  }

  /** Equivalent of `genrand_int32`: the next output as an unsigned 32-bit integer. */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.state;
    for (let k = 0; k < N; k++) {
      const y = ((mt[k] as number) & UPPER_MASK) | ((mt[(k + 1) % N] as number) & LOWER_MASK);
      mt[k] = (mt[(k + M) % N] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.index = 0;
  }
}
