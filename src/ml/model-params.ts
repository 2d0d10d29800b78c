import type { ModelSpec } from './spec.js';
import { specLayers } from './spec-layers.js';

/**
 * Trainable parameters of the model a spec builds, counted without building it (the
 * gradient exchange buffer is sized before any replica exists): conv kernels and biases,
 * batch-norm gamma and beta, dense kernels and biases.
 */
export function parameterCount(spec: ModelSpec): number {
  return specLayers(spec).reduce((total, layer) => total + layer.trainable, 0);
}
