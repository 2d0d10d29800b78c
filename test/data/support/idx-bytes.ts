import { gzipSync } from 'node:zlib';

/** An IDX file: big-endian magic, big-endian dimensions, then the raw bytes. */
export function idxBytes(magic: number, dims: number[], data: ArrayLike<number>): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  for (const [i, dim] of dims.entries()) header.writeUInt32BE(dim, 4 + 4 * i);
  return Buffer.concat([header, Buffer.from(Array.from(data))]);
}

export function idxImages(
  count: number,
  height: number,
  width: number,
  pixels?: ArrayLike<number>,
) {
  const data = pixels ?? Array.from({ length: count * height * width }, (_, i) => (i * 7) % 256);
  return idxBytes(0x00000803, [count, height, width], data);
}

export function idxLabels(labels: number[]): Buffer {
  return idxBytes(0x00000801, [labels.length], labels);
}

export const gzip = (bytes: Uint8Array | string): Buffer => gzipSync(bytes);
