import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { ModelSpec } from '../../src/ml/spec.js';
import { registerModel } from '../support/registered-model.js';

/**
 * Gives every batch-norm variable values far from its initial ones (gamma 1, beta 0, mean 0,
 * variance 1), as training would: with those initial values a swapped or dropped statistic
 * would go unnoticed in an exported model's predictions.
 */
export function spreadBatchNorm(model: LayersModel, seed: number): void {
  const ranges: Record<string, [number, number]> = {
    gamma: [0.5, 1.5],
    beta: [-0.5, 0.5],
    moving_mean: [-0.3, 0.3],
    moving_variance: [0.3, 2],
  };
  model.weights.forEach((weight, i) => {
    const variable = weight.originalName.split('/').pop() ?? '';
    const range = ranges[variable];
    if (!range) return;
    const values = tf.randomUniform(
      weight.shape as number[],
      range[0],
      range[1],
      'float32',
      seed + i,
    );
    weight.write(values);
    values.dispose();
  });
}

/** A seeded model with spread batch-norm statistics, stored and registered as a job would. */
export function registerSpreadModel(
  stores: Parameters<typeof registerModel>[0],
  spec: ModelSpec,
  id: string,
  seed: number,
): Promise<LayersModel> {
  return registerModel(stores, spec, id, seed, (model) => spreadBatchNorm(model, seed));
}
