import * as tf from '@tensorflow/tfjs-core';
import { FusedAdam } from './fused-adam.js';

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Keras' default learning rates, which the seed's `model.compile()` used. */
export const DEFAULT_LEARNING_RATES: Record<OptimizerName, number> = {
  adam: 0.001,
  sgd: 0.01,
  rmsprop: 0.001,
};

export function createOptimizer(name: OptimizerName, learningRate?: number): tf.Optimizer {
  const rate = learningRate ?? DEFAULT_LEARNING_RATES[name];
  switch (name) {
    case 'adam':
      // Backends whose tensors are plain memory update faster in one JS pass.
      return ['wasm', 'cpu'].includes(tf.getBackend()) ? new FusedAdam(rate) : tf.train.adam(rate);
    case 'sgd':
      return tf.train.sgd(rate);
    case 'rmsprop':
      return tf.train.rmsprop(rate);
  }
}
