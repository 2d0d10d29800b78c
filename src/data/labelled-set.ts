import type { LabelledImageSet } from './types.js';

/** Copies the given rows, in the given order, into a new set. */
export function selectRows(set: LabelledImageSet, rows: ArrayLike<number>): LabelledImageSet {
  const size = set.height * set.width;
  const images = new Uint8Array(rows.length * size);
  const labels = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as number;
    if (!Number.isInteger(row) || row < 0 || row >= set.count) {
      throw new RangeError(`row ${row} is outside 0..${set.count - 1}`);
    }
    images.set(set.images.subarray(row * size, (row + 1) * size), i * size);
    labels[i] = set.labels[row] as number;
  }
  return { images, labels, count: rows.length, height: set.height, width: set.width };
}

/** Number of rows per label; the result is long enough to index every label present. */
export function countPerClass(labels: ArrayLike<number>, numClasses = 0): number[] {
  const counts: number[] = new Array(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    while (counts.length <= label) counts.push(0);
    counts[label] = (counts[label] as number) + 1;
  }
  return counts;
}
