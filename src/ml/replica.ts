import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { LabelledImageSet } from '../data/types.js';
import { augmentBatch, augments } from './augment.js';
import { countCorrect, crossEntropy, imageBatch, labelBatch, pixelBatch } from './batch.js';
import { setBatchesSeen } from './batch-norm-layer.js';
import { FusedAdam } from './fused-adam.js';
import { createModel } from './model.js';
import {
  importOptimizer,
  importWeights,
  type ModelArtifacts,
  type OptimizerState,
} from './model-state.js';
import {
  createOptimizer,
  type OptimizerName,
  setLearningRate,
  weightDecayOf,
} from './optimizer.js';
import type { ModelSpec } from './spec.js';
import { clipFactor, type StepInput, type StepRecipe } from './step-recipe.js';

export interface ReplicaOptions {
  spec: ModelSpec;
  optimizer: OptimizerName;
  learningRate?: number;
  /** Seeds weights and dropout; omitted, both are random. */
  seed?: number;
  /** Augmentation, label smoothing, clipping, decay, momentum; none when absent. */
  recipe?: StepRecipe;
}

export interface BatchResult {
  /** Mean loss over the batch. */
  loss: number;
  /** Rows whose most probable class was right. */
  correct: number;
  count: number;
}

export interface EvalResult {
  lossSum: number;
  predicted: Uint8Array;
  /** Each row's top-class (softmax) probability, for calibration. */
  confidences: Float32Array;
}

/** Rows evaluated per forward pass: large enough to amortise kernel calls, small in memory. */
const EVAL_BATCH = 500;

/**
 * One copy of a model with its optimizer: what a training process, or each data-parallel
 * worker, holds. Everything here runs on the current tfjs backend and disposes every
 * tensor it makes.
 */
export class Replica {
  readonly model: LayersModel;
  readonly optimizer: tf.Optimizer;
  private readonly variables: tf.Variable[];
  private readonly recipe: StepRecipe;
  private readonly weightDecay: number;

  constructor(options: ReplicaOptions) {
    this.model = createModel(options.spec, { seed: options.seed });
    this.recipe = options.recipe ?? {};
    this.weightDecay = weightDecayOf(options.optimizer, this.recipe.weightDecay);
    this.optimizer = createOptimizer(options.optimizer, options.learningRate, this.recipe);
    // Optimizer state is matched to variables by position: keep one fixed order.
    this.variables = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** Forward, backward and update on the given rows. */
  trainBatch(set: LabelledImageSet, rows: ArrayLike<number>, step?: StepInput): BatchResult {
    const { loss, correct, grads } = this.gradients(set, rows, step?.augmentSeed);
    const clipped = this.clip(grads);
    this.beforeUpdate(step?.learningRate);
    this.optimizer.applyGradients(clipped);
    tf.dispose(Object.values(grads));
    if (clipped !== grads) tf.dispose(Object.values(clipped));
    return { loss, correct, count: rows.length };
  }

  /** The gradients scaled to the recipe's global norm; the same map when none is set. */
  private clip(grads: tf.NamedTensorMap): tf.NamedTensorMap {
    if (!this.recipe.clipNorm) return grads;
    const squares = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
    const factor = clipFactor(squares.dataSync()[0] as number, this.recipe.clipNorm);
    squares.dispose();
    return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, factor)]));
  }

  /** The step's learning rate, then the decoupled weight decay it scales. */
  private beforeUpdate(learningRate: number | undefined): void {
    if (learningRate !== undefined) setLearningRate(this.optimizer, learningRate);
    const rate = (this.optimizer as unknown as { learningRate: number }).learningRate;
    if (this.weightDecay === 0) return;
    const keep = 1 - rate * this.weightDecay;
    for (const v of this.variables) {
      const decayed = tf.mul(v, keep);
      v.assign(decayed);
      decayed.dispose();
    }
  }

  /** Pixels of the rows as the model's input, augmented by the recipe when it says so. */
  private inputs(set: LabelledImageSet, rows: ArrayLike<number>, augmentSeed?: number) {
    const augment = this.recipe.augment;
    if (augmentSeed === undefined || !augments(augment)) return imageBatch(set, rows);
    const pixels = pixelBatch(set, rows);
    augmentBatch(pixels, rows, set.height, set.width, augment, augmentSeed);
    return tf.tensor4d(pixels, [rows.length, set.height, set.width, 1]);
  }

  /** Forward and backward only; the caller owns (and disposes) the gradients. */
  gradients(
    set: LabelledImageSet,
    rows: ArrayLike<number>,
    augmentSeed?: number,
  ): BatchResult & { grads: tf.NamedTensorMap } {
    const x = this.inputs(set, rows, augmentSeed);
    const labels = labelBatch(set, rows);
    const smoothing = this.recipe.labelSmoothing ?? 0;
    let correct = 0;
    const { value, grads } = tf.variableGrads(() => {
      const probabilities = this.model.apply(x, { training: true }) as tf.Tensor2D;
      correct = countCorrect(labels, probabilities);
      return crossEntropy(labels, probabilities, smoothing);
    }, this.variables);
    const loss = value.dataSync()[0] as number;
    tf.dispose([x, value]);
    return { loss, correct, count: rows.length, grads };
  }

  /** Applies gradients given as one flat array, in variable order. */
  applyFlatGradients(flat: Float32Array, learningRate?: number): void {
    if (this.recipe.clipNorm) {
      let squares = 0;
      for (let i = 0; i < flat.length; i++) squares += (flat[i] as number) ** 2;
      const factor = clipFactor(squares, this.recipe.clipNorm);
      if (factor !== 1)
        for (let i = 0; i < flat.length; i++) flat[i] = (flat[i] as number) * factor;
    }
    this.beforeUpdate(learningRate);
    if (this.optimizer instanceof FusedAdam) {
      const parts: Float32Array[] = [];
      let at = 0;
      for (const v of this.variables) {
        parts.push(flat.subarray(at, at + v.size));
        at += v.size;
      }
      this.optimizer.update(this.variables, parts);
      return;
    }
    const grads: tf.NamedTensorMap = {};
    let offset = 0;
    for (const v of this.variables) {
      grads[v.name] = tf.tensor(flat.subarray(offset, offset + v.size), v.shape);
      offset += v.size;
    }
    this.optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }

  /** Gradients flattened into `out` in variable order (see applyFlatGradients). */
  flattenGradients(grads: tf.NamedTensorMap, out: Float32Array): void {
    let offset = 0;
    for (const v of this.variables) {
      const g = grads[v.name] as tf.Tensor;
      out.set(g.dataSync() as Float32Array, offset);
      offset += v.size;
    }
  }

  /**
   * Loads weights; with optimizer state too, training continues where it stopped (the
   * batch-norm layers learn how many batches their statistics have seen).
   */
  async importState(artifacts: ModelArtifacts, optimizer?: OptimizerState): Promise<void> {
    importWeights(this.model, artifacts);
    if (optimizer) await importOptimizer(this.optimizer, optimizer);
    setBatchesSeen(this.model, optimizer ? this.optimizer.iterations : 0);
  }

  get parameterCount(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  /**
   * Summed loss, predicted labels and their probabilities, inference mode (dropout off,
   * moving BN statistics).
   */
  evaluate(set: LabelledImageSet, rows: ArrayLike<number> = range(set.count)): EvalResult {
    const predicted = new Uint8Array(rows.length);
    const confidences = new Float32Array(rows.length);
    let lossSum = 0;
    for (let start = 0; start < rows.length; start += EVAL_BATCH) {
      const chunk = Array.from({ length: Math.min(EVAL_BATCH, rows.length - start) }, (_, i) =>
        Number(rows[start + i]),
      );
      const labels = labelBatch(set, chunk);
      const [loss, argMax, top] = tf.tidy(() => {
        const probabilities = this.model.predict(imageBatch(set, chunk)) as tf.Tensor2D;
        return [
          crossEntropy(labels, probabilities),
          tf.argMax(probabilities, 1),
          tf.max(probabilities, 1),
        ];
      });
      lossSum += (loss.dataSync()[0] as number) * chunk.length;
      predicted.set(argMax.dataSync(), start);
      confidences.set(top.dataSync(), start);
      tf.dispose([loss, argMax, top]);
    }
    return { lossSum, predicted, confidences };
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}

export function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
