import * as tf from '@tensorflow/tfjs-core';
import type { LabelledImageSet } from '../data/types.js';
import { targetBatch } from './step-recipe.js';

/** Pixels of the given rows scaled to [0, 1], as the model's NHWC input. */
export function imageBatch(set: LabelledImageSet, rows: ArrayLike<number>): tf.Tensor4D {
  return tf.tensor4d(pixelBatch(set, rows), [rows.length, set.height, set.width, 1]);
}

/** The same pixels as a plain array (row-major NHWC). */
export function pixelBatch(set: LabelledImageSet, rows: ArrayLike<number>): Float32Array {
  const size = set.height * set.width;
  const pixels = new Float32Array(rows.length * size);
  for (let i = 0; i < rows.length; i++) {
    const from = checkedRow(set, rows[i] as number) * size;
    for (let p = 0; p < size; p++) pixels[i * size + p] = (set.images[from + p] as number) / 255;
  }
  return pixels;
}

export function labelBatch(set: LabelledImageSet, rows: ArrayLike<number>): Int32Array {
  return Int32Array.from(
    { length: rows.length },
    (_, i) => set.labels[checkedRow(set, rows[i] as number)] as number,
  );
}

/** Typed arrays read past their end as undefined, which would train on NaN silently. */
function checkedRow(set: LabelledImageSet, row: number): number {
  if (!(row >= 0 && row < set.count && Number.isInteger(row))) {
    throw new RangeError(`row ${row} is outside the set's ${set.count} images`);
  }
  return row;
}

/**
 * Keras' categorical cross-entropy on probabilities: probabilities are clipped to
 * [1e-7, 1 - 1e-7] (Keras' epsilon) so a confident mistake costs a finite loss.
 * Returns the batch mean. With `smoothing`, against smoothed targets (see targetBatch).
 */
export function crossEntropy(
  labels: Int32Array,
  probabilities: tf.Tensor2D,
  smoothing = 0,
): tf.Scalar {
  return tf.tidy(() => {
    const classes = probabilities.shape[1];
    const targets =
      smoothing > 0
        ? tf.tensor2d(targetBatch(labels, classes, smoothing), [labels.length, classes])
        : tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
    const clipped = tf.clipByValue(probabilities, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.log(clipped)), 1))) as tf.Scalar;
  });
}

/** How many rows' most probable class equals the label. */
export function countCorrect(labels: Int32Array, probabilities: tf.Tensor2D): number {
  const argMax = tf.argMax(probabilities, 1);
  const predicted = argMax.dataSync();
  argMax.dispose();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct;
}
