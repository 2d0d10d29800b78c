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
 * Keras' BatchNormalization with two changes to training steps on the last axis (the only
 * axis our models normalise):
 *
 * - Where the backend has it (wasm, see wasm/batch-norm-training.ts), one fused kernel
 *   computes the forward pass and one the gradient.
 * - The moving statistics start as the plain average of the batches seen, and become
 *   Keras' exponential average (momentum 0.99) once 1/(1 − momentum) = 100 batches are in.
 *   Keras' average starts from mean 0 and variance 1 and needs several hundred batches to
 *   forget them, so a short run scored with its moving statistics would look broken; after
 *   the first 100 batches both rules agree.
 *
 * Inference uses the stock layer. Same weights and class name, so summaries and saved
 * models are unchanged.
 */
export function createBatchNormalization(args: BatchNormArgs): layers.Layer {
  fusedClass ??= defineFused(stockClass());
  return new fusedClass(args) as unknown as layers.Layer;
}

/**
 * Tells a model's batch-norm layers how many training batches their moving statistics
 * have seen: after loading weights to continue training (the optimizer's step count).
 */
export function setBatchesSeen(model: { layers: layers.Layer[] }, batches: number): void {
  for (const layer of model.layers) {
    if (BATCHES in layer) (layer as unknown as Record<typeof BATCHES, number>)[BATCHES] = batches;
  }
}

const BATCHES = Symbol('batches seen by the moving statistics');

let fusedClass: ReturnType<typeof defineFused> | undefined;

function defineFused(Stock: new (args: BatchNormArgs) => StockBatchNorm) {
  return class BatchNormalization extends Stock {
    [BATCHES] = 0;

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const gamma = this.gamma;
      const beta = this.beta;
      const lastAxis = this.axis === -1 || this.axis === (x?.rank ?? 0) - 1;
      if (kwargs.training !== true || !x || !gamma || !beta || !lastAxis) {
        return super.call(inputs, kwargs);
      }
      return tf.tidy(() => {
        const [y, mean, variance] = this.normalise(x, gamma.read(), beta.read());
        this[BATCHES]++;
        const rate = Math.max(1 - this.momentum, 1 / this[BATCHES]);
        this.updateMovingAverage(this.movingMean, mean, rate);
        this.updateMovingAverage(this.movingVariance, variance, rate);
        return y;
      });
    }

    /** y, batch mean and (biased) batch variance. */
    private normalise(
      x: tf.Tensor,
      scale: tf.Tensor,
      offset: tf.Tensor,
    ): [tf.Tensor, tf.Tensor, tf.Tensor] {
      if (tf.getKernel(BATCH_NORM_TRAINING, tf.getBackend())) {
        return tf
          .engine()
          .runKernel(BATCH_NORM_TRAINING, { x, scale, offset }, { epsilon: this.epsilon }) as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
      }
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      return [tf.batchNorm(x, mean, variance, offset, scale, this.epsilon), mean, variance];
    }

    /** v ← v + (batch − v)·rate. */
    private updateMovingAverage(variable: LayerVariable, batch: tf.Tensor, rate: number): void {
      tf.tidy(() => {
        const current = variable.read();
        variable.write(tf.add(current, tf.mul(tf.sub(batch, current), rate)));
      });
    }
  };
}
