import { flattenedSize, type ModelSpec } from './spec.js';

/**
 * Trainable parameters of the model a spec builds, counted without building it (the
 * gradient exchange buffer is sized before any replica exists): conv kernels and biases,
 * batch-norm gamma and beta, dense kernels and biases.
 */
export function parameterCount(spec: ModelSpec): number {
  let total = 0;
  let channels = spec.inputShape[2];
  for (const block of spec.conv) {
    total += block.filter * block.filter * channels * block.channels + block.channels;
    total += 2 * block.channels;
    channels = block.channels;
  }
  let width = flattenedSize(spec);
  for (const block of spec.dense) {
    total += 2 * width + width * block.neurons + block.neurons;
    width = block.neurons;
  }
  return total;
}
