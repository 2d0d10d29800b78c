import type { LabelledImageSet } from '../data/types.js';

/** One example the model got wrong, with its image so a client can show it. */
export interface MisclassifiedSample {
  /** Row of the evaluated set. */
  index: number;
  /** True class. */
  label: number;
  predicted: number;
  /** Probability the model gave `predicted`. */
  confidence: number;
  /** The image as stored: `height * width` bytes (784 for 28x28), row-major, 0-255, base64. */
  pixels: string;
}

export const MISCLASSIFIED_LIMIT = 24;

/**
 * Up to `limit` misclassified examples, spread across true classes: each class's mistakes
 * are taken in row order, one class after the other round-robin, so a class the model
 * confuses often cannot fill the whole list. The result is in row order.
 */
export function misclassifiedSamples(
  set: LabelledImageSet,
  predicted: ArrayLike<number>,
  confidences: ArrayLike<number>,
  limit = MISCLASSIFIED_LIMIT,
): MisclassifiedSample[] {
  if (predicted.length !== set.count || confidences.length !== set.count) {
    throw new RangeError(
      `the set has ${set.count} images but ${predicted.length} predictions and ${confidences.length} confidences`,
    );
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < set.count; i++) {
    const label = set.labels[i] as number;
    if (predicted[i] === label) continue;
    const rows = byClass.get(label) ?? [];
    if (rows.length < limit) rows.push(i);
    byClass.set(label, rows);
  }
  const queues = [...byClass.entries()].sort(([a], [b]) => a - b).map(([, rows]) => rows);
  const chosen: number[] = [];
  for (let round = 0; chosen.length < limit; round++) {
    const before = chosen.length;
    for (const rows of queues) {
      const row = rows[round];
      if (row !== undefined && chosen.length < limit) chosen.push(row);
    }
    if (chosen.length === before) break;
  }
  const size = set.height * set.width;
  return chosen
    .sort((a, b) => a - b)
    .map((index) => ({
      index,
      label: set.labels[index] as number,
      predicted: predicted[index] as number,
      confidence: confidences[index] as number,
      pixels: Buffer.from(set.images.subarray(index * size, (index + 1) * size)).toString('base64'),
    }));
}
