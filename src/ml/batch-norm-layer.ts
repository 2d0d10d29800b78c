import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, layers } from '@tensorflow/tfjs-layers';
import { BATCH_NORM_TRAINING } from './wasm/batch-norm-training.js';

type BatchNormArgs = Parameters<typeof layers.batchNormalization>[0];

interface StockBatchNorm extends layers.Layer {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  gamma: LayerVariable | null;
  beta: LayerVariable | null;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
}

/** tfjs-layers' own class, as registered for deserialisation (its module is not exported). */
function stockClass(): new (args: BatchNormArgs) => StockBatchNorm {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization;
  if (!entry) throw new Error('tfjs-layers is not loaded: BatchNormalization is not registered');
  return entry[0] as unknown as new (
    args: BatchNormArgs,
  ) => StockBatchNorm;
}

/**
 * Keras' BatchNormalization, with training steps on the last axis run by one fused kernel
 * (forward and gradient) where the backend has it (wasm, see wasm/batch-norm-training.ts).
 * Inference and other backends use the stock layer. Same weights, same moving-average
 * update, same class name, so summaries and saved models are unchanged.
 */
export function createBatchNormalization(args: BatchNormArgs): layers.Layer {
  fusedClass ??= defineFused(stockClass());
  return new fusedClass(args);
}

let fusedClass: (new (args: BatchNormArgs) => StockBatchNorm) | undefined;

function defineFused(Stock: new (args: BatchNormArgs) => StockBatchNorm) {
  return class BatchNormalization extends Stock {
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const gamma = this.gamma;
      const beta = this.beta;
      const lastAxis = this.axis === -1 || this.axis === (x?.rank ?? 0) - 1;
      const fused = tf.getKernel(BATCH_NORM_TRAINING, tf.getBackend()) !== undefined;
      if (kwargs.training !== true || !x || !gamma || !beta || !lastAxis || !fused) {
        return super.call(inputs, kwargs);
      }
      return tf.tidy(() => {
        const [y, mean, variance] = tf
          .engine()
          .runKernel(
            BATCH_NORM_TRAINING,
            { x, scale: gamma.read(), offset: beta.read() },
            { epsilon: this.epsilon },
          ) as tf.Tensor[];
        this.updateMovingAverage(this.movingMean, mean as tf.Tensor);
        this.updateMovingAverage(this.movingVariance, variance as tf.Tensor);
        return y as tf.Tensor;
      });
    }

    /** As tfjs-layers does it: v ← v − (v − batch)·(1 − momentum). */
    private updateMovingAverage(variable: LayerVariable, batch: tf.Tensor): void {
      tf.tidy(() => {
        const current = variable.read();
        variable.write(tf.sub(current, tf.mul(tf.sub(current, batch), 1 - this.momentum)));
      });
    }
  };
}
