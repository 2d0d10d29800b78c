/**
 * A serialised tensorflow.ConfigProto that sets the session's thread pools:
 * `intra_op_parallelism_threads` (field 2) splits one op across threads,
 * `inter_op_parallelism_threads` (field 5) runs independent ops side by side. 0 lets
 * TensorFlow choose (every core), so no config at all is sent then.
 */
export function sessionConfig(threads: number): Uint8Array | null {
  if (threads === 0) return null;
  if (!Number.isInteger(threads) || threads < 0 || threads > 1024) {
    throw new RangeError(`threads must be an integer from 0 to 1024, got ${threads}`);
  }
  return Uint8Array.from([...field(2, threads), ...field(5, threads)]);
}

/** A varint field: tag (number << 3, wire type 0), then the value 7 bits at a time. */
function field(number: number, value: number): number[] {
  const bytes = [number << 3];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return bytes;
}
