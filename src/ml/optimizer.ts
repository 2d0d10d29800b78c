import * as tf from '@tensorflow/tfjs-core';
import { FusedAdam } from './fused-adam.js';

export const OPTIMIZERS = ['adam', 'adamw', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Keras' default learning rates, which the seed's `model.compile()` used. */
export const DEFAULT_LEARNING_RATES: Record<OptimizerName, number> = {
  adam: 0.001,
  adamw: 0.001,
  sgd: 0.01,
  rmsprop: 0.001,
};

/** Keras' AdamW default: the decoupled decay an `adamw` job gets unless it sets its own. */
export const ADAMW_WEIGHT_DECAY = 0.004;

/** The decoupled weight decay a run applies: its own, else AdamW's default, else none. */
export function weightDecayOf(name: OptimizerName, weightDecay?: number): number {
  return weightDecay ?? (name === 'adamw' ? ADAMW_WEIGHT_DECAY : 0);
}

/**
 * The optimizer's own update. AdamW is Adam here: its decoupled decay is applied to the
 * weights before the update by whoever runs the step (StepRecipe.weightDecay).
 */
export function createOptimizer(
  name: OptimizerName,
  learningRate?: number,
  sgd: { momentum?: number; nesterov?: boolean } = {},
): tf.Optimizer {
  const rate = learningRate ?? DEFAULT_LEARNING_RATES[name];
  switch (name) {
    case 'adam':
    case 'adamw':
      // Backends whose tensors are plain memory update faster in one JS pass.
      return ['wasm', 'cpu'].includes(tf.getBackend()) ? new FusedAdam(rate) : tf.train.adam(rate);
    case 'sgd':
      return sgd.momentum
        ? tf.train.momentum(rate, sgd.momentum, sgd.nesterov ?? false)
        : tf.train.sgd(rate);
    case 'rmsprop':
      return tf.train.rmsprop(rate);
  }
}

/** Sets the rate of the optimizer's next updates (each tfjs optimizer keeps it its own way). */
export function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  const held = optimizer as unknown as {
    learningRate: number;
    setLearningRate?: (r: number) => void;
  };
  if (held.learningRate === rate) return;
  if (held.setLearningRate) held.setLearningRate(rate);
  else held.learningRate = rate;
}
