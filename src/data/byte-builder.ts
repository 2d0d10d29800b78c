/**
 * An append-only byte buffer that grows by doubling up to a limit. Readers use it instead of
 * allocating what a header declares, so a corrupt header cannot demand gigabytes up front.
 */
export class ByteBuilder {
  private buffer: Uint8Array;
  length = 0;

  constructor(
    private readonly limit = Number.POSITIVE_INFINITY,
    initialCapacity = 64 * 1024,
  ) {
    this.buffer = new Uint8Array(Math.min(limit, initialCapacity));
  }

  append(bytes: Uint8Array): void {
    this.reserve(bytes.length).set(bytes);
  }

  /** Extends the length by `n` and returns the new bytes, zeroed, for the caller to fill. */
  reserve(n: number): Uint8Array {
    const end = this.length + n;
    if (end > this.limit) throw new RangeError(`ByteBuilder limit of ${this.limit} bytes exceeded`);
    if (end > this.buffer.length) {
      const grown = new Uint8Array(Math.min(this.limit, Math.max(end, this.buffer.length * 2)));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.length = end;
    return this.buffer.subarray(end - n, end);
  }

  /** The bytes written so far, copied only when the buffer has spare capacity. */
  finish(): Uint8Array {
    return this.length === this.buffer.length ? this.buffer : this.buffer.slice(0, this.length);
  }
}
