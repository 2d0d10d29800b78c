import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { argmax } from './argmax.js';
import { type Saliency, toSaliency } from './saliency.js';

/**
 * Saliency of each input for the class the model predicts for it: the gradient of that
 * class's probability with respect to the input pixels, by `tf.grad` through the model in
 * inference mode. One backward pass serves the whole batch: in inference mode every output
 * depends on its own input only (batch normalisation uses its moving statistics, dropout is
 * off), so the gradient of the sum of the chosen probabilities is each input's own gradient.
 */
export function explainBatch(
  model: LayersModel,
  inputs: Float32Array,
  shape: readonly number[],
  probabilities: Float32Array,
  numClasses: number,
): Saliency[] {
  const count = probabilities.length / numClasses;
  const labels = Int32Array.from({ length: count }, (_, i) =>
    argmax(probabilities.subarray(i * numClasses, (i + 1) * numClasses)),
  );
  const gradients = tf.tidy(() => {
    const x = tf.tensor(inputs, [count, ...shape]);
    const chosen = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), 'float32');
    const score = (input: tf.Tensor) =>
      tf.sum(tf.mul(model.apply(input, { training: false }) as tf.Tensor, chosen));
    const gradient = tf.abs(tf.grad(score)(x));
    // One value per pixel: a colour image's channels are taken together at their largest.
    const perPixel = shape.length === 3 ? tf.max(gradient, -1) : gradient;
    // A copy: the backend may hand out a view of its own memory, freed with the tensor.
    return new Float32Array(perPixel.dataSync());
  });
  const size = gradients.length / count;
  const [height, width] = shape.length >= 2 ? shape : [1, size];
  return Array.from({ length: count }, (_, i) =>
    toSaliency(gradients.subarray(i * size, (i + 1) * size), height as number, width as number),
  );
}
