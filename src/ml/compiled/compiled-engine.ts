import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import type { LabelledImageSet } from '../../data/types.js';
import { augmentBatch, augments } from '../augment.js';
import { labelBatch, pixelBatch } from '../batch.js';
import type { EngineData, TrainingEngine } from '../engine.js';
import { BATCH_NORM } from '../model.js';
import {
  exportModel,
  importWeights,
  type ModelArtifacts,
  type OptimizerState,
} from '../model-state.js';
import { DEFAULT_LEARNING_RATES, weightDecayOf } from '../optimizer.js';
import { type BatchResult, Replica, type ReplicaOptions } from '../replica.js';
import { SeededDropout } from '../seeded-dropout.js';
import { flattenedSize } from '../spec.js';
import { parseSpec } from '../spec-parse.js';
import { type StepInput, type StepRecipe, targetBatch } from '../step-recipe.js';
import type { GraphAddon, TensorValue } from './graph-addon.js';
import type { GraphVariable } from './graph-builder.js';
import { ADAM, buildTrainingGraph, type TrainingGraph } from './training-graph.js';

/**
 * Trains with the whole step (forward, loss, gradients, optimizer, batch-norm statistics)
 * compiled into one TensorFlow graph that runs in one call, weights and optimizer slots
 * staying inside TensorFlow between steps. A tfjs copy of the model (the mirror) takes the
 * weights when they are needed outside: evaluation, checkpoints, export. Same results as
 * LocalEngine on the same weights and batches, within float tolerance.
 */
export class CompiledEngine implements TrainingEngine {
  readonly replicas = 1;
  readonly step = 'compiled';
  private readonly mirror: Replica;
  private readonly graph: TrainingGraph;
  private readonly learningRate: number;
  private readonly recipe: StepRecipe;
  private readonly weightDecay: number;
  private readonly dropouts: (SeededDropout | undefined)[];
  private readonly classes: number;
  /** Features entering each dense block: the shape of its dropout mask. */
  private readonly featuresIn: number[];
  /** Optimizer steps taken (tfjs' `iterations`). */
  private steps = 0;
  /** Batches the moving statistics have seen (see batch-norm-layer.ts). */
  private batchesSeen = 0;
  /** The graph holds weights the mirror has not taken yet. */
  private mirrorStale = false;

  constructor(
    addon: GraphAddon,
    private readonly data: EngineData,
    private readonly options: ReplicaOptions,
    readonly backend: string,
    sessionConfig: Uint8Array | null = null,
  ) {
    const spec = parseSpec(options.spec);
    this.mirror = new Replica(options);
    this.classes = spec.numClasses;
    this.learningRate = options.learningRate ?? DEFAULT_LEARNING_RATES[options.optimizer];
    this.recipe = options.recipe ?? {};
    this.weightDecay = weightDecayOf(options.optimizer, this.recipe.weightDecay);
    this.dropouts = spec.dense.map((_, j) => {
      const layer = this.mirror.model.getLayer(`fc${j}_drop`);
      return layer instanceof SeededDropout ? layer : undefined;
    });
    this.graph = buildTrainingGraph(addon, spec, options.optimizer, this.recipe);
    try {
      this.addon.startSession(this.graph.builder.graph, sessionConfig);
      this.push();
    } catch (err) {
      this.dispose();
      throw err;
    }
    this.featuresIn = spec.dense.map((_, j) =>
      j === 0 ? flattenedSize(spec) : (spec.dense[j - 1]?.neurons as number),
    );
  }

  private get addon(): GraphAddon {
    return this.graph.builder.addon;
  }

  async trainBatch(rows: Int32Array, step?: StepInput): Promise<BatchResult> {
    const set = this.data.train;
    const labels = labelBatch(set, rows);
    const n = rows.length;
    const { feeds } = this.graph;
    const pixels = pixelBatch(set, rows);
    const { augment, labelSmoothing } = this.recipe;
    if (step && augments(augment)) {
      augmentBatch(pixels, rows, set.height, set.width, augment, step.augmentSeed);
    }
    const targets = targetBatch(labels, this.classes, labelSmoothing);
    const values: (TensorValue & { name: string })[] = [
      floats(feeds.images, pixels, [n, set.height, set.width, 1]),
      floats(feeds.labels, targets, [n, this.classes]),
      floats(feeds.rows, [n], []),
      floats(feeds.movingRate, [Math.max(1 - BATCH_NORM.momentum, 1 / (this.batchesSeen + 1))], []),
    ];
    feeds.masks.forEach((name, j) => {
      const shape = [n, this.featuresIn[j] as number];
      const mask = name && this.dropouts[j]?.trainingMask(shape);
      if (name)
        values.push(
          floats(name, mask || new Float32Array(n * (shape[1] as number)).fill(1), shape),
        );
    });
    const scalars = this.stepScalars(this.steps + 1, step?.learningRate ?? this.learningRate);
    for (const [key, value] of Object.entries(scalars)) {
      values.push(floats(feeds.scalars[key] as string, [value], []));
    }
    const [loss, logits] = this.addon.run(
      this.graph.builder.graph,
      values,
      [this.graph.loss, this.graph.logits],
      this.graph.updates,
    );
    this.steps++;
    this.batchesSeen++;
    this.mirrorStale = true;
    return {
      loss: loss?.data[0] as number,
      correct: countArgMaxHits(logits?.data as Float32Array, labels, this.classes),
      count: n,
    };
  }

  /** The optimizer's scalars for step `t` (1-based). */
  private stepScalars(t: number, learningRate: number): Record<string, number> {
    const decay: Record<string, number> =
      this.weightDecay > 0 ? { decay: learningRate * this.weightDecay } : {};
    if (!['adam', 'adamw'].includes(this.options.optimizer)) return { learningRate, ...decay };
    const beta2Power = ADAM.beta2 ** t;
    return {
      ...decay,
      learningRate,
      beta1Power: ADAM.beta1 ** t,
      beta2Power,
      epsilon: ADAM.epsilon * Math.sqrt(1 - beta2Power),
    };
  }

  async evaluate(set: 'val' | 'test') {
    this.pull();
    return this.mirror.evaluate(this.pick(set));
  }

  private pick(set: 'val' | 'test'): LabelledImageSet {
    const chosen = this.data[set];
    if (!chosen) throw new Error(`no ${set} set was given`);
    return chosen;
  }

  exportModel(): Promise<ModelArtifacts> {
    this.pull();
    return exportModel(this.mirror.model);
  }

  /** In the layout of tfjs' optimizer of the same name: iterations, then its slots. */
  async exportOptimizer(): Promise<OptimizerState> {
    const { slots } = this.graph;
    const values = this.read(slots);
    const names = this.trainableNames();
    const n = names.length;
    const weights = [
      { name: 'iter', tensor: tf.scalar(this.steps, 'int32') },
      ...slots.map((slot, i) => ({
        name: `${names[i % n]}/${slot.name.slice(slot.name.lastIndexOf('/') + 1)}`,
        tensor: tf.tensor(values[i] as Float32Array, slot.shape as number[]),
      })),
    ];
    const { data, specs } = await tf.io.encodeWeights(weights);
    tf.dispose(weights.map((w) => w.tensor));
    return { weightSpecs: specs, weightData: data };
  }

  async importState(model: ModelArtifacts, optimizer?: OptimizerState): Promise<void> {
    importWeights(this.mirror.model, model);
    this.steps = 0;
    const slotValues: Float32Array[] = [];
    if (optimizer) {
      const named = tf.io.decodeWeights(optimizer.weightData, optimizer.weightSpecs);
      const [iter, ...slots] = optimizer.weightSpecs.map((s) => named[s.name] as tf.Tensor);
      this.steps = iter ? (iter.dataSync()[0] as number) : 0;
      for (const slot of slots) slotValues.push(slot.dataSync() as Float32Array);
      tf.dispose(Object.values(named));
    }
    this.batchesSeen = this.steps;
    this.push(optimizer ? slotValues : undefined);
  }

  /** The mirror's weights into the graph; optimizer slots from `slots`, else zeros. */
  private push(slots?: Float32Array[]): void {
    const byName = new Map(
      this.mirror.model.weights.map((w) => [w.originalName, w] as [string, LayerVariable]),
    );
    const feeds = this.graph.weights.map((v) => {
      const source = byName.get(v.name);
      if (!source) throw new Error(`the model has no weight ${v.name}`);
      return floats(v.initial, source.read().dataSync() as Float32Array, v.shape);
    });
    this.graph.slots.forEach((slot, i) => {
      const given = slots?.[i];
      if (slots && given?.length !== sizeOf(slot.shape)) {
        throw new Error(`optimizer state does not fit ${slot.name}`);
      }
      feeds.push(floats(slot.initial, given ?? new Float32Array(sizeOf(slot.shape)), slot.shape));
    });
    const assigns = [...this.graph.weights, ...this.graph.slots].map((v) => v.assign);
    this.addon.run(this.graph.builder.graph, feeds, [], assigns);
    this.mirrorStale = false;
  }

  /** The graph's weights into the mirror, when they changed. */
  private pull(): void {
    if (!this.mirrorStale) return;
    const values = this.read(this.graph.weights);
    const byName = new Map(this.graph.weights.map((v, i) => [v.name, values[i]]));
    for (const w of this.mirror.model.weights) {
      const value = byName.get(w.originalName);
      if (!value) continue;
      const tensor = tf.tensor(value, w.shape as number[]);
      w.write(tensor);
      tensor.dispose();
    }
    this.mirrorStale = false;
  }

  private read(variables: GraphVariable[]): Float32Array[] {
    if (variables.length === 0) return [];
    const fetched = this.addon.run(
      this.graph.builder.graph,
      [],
      variables.map((v) => v.read),
      [],
    );
    return fetched.map((f) => f.data as Float32Array);
  }

  /** The mirror's trainable variable names, which tfjs' saved slots are named after. */
  private trainableNames(): string[] {
    const byOriginal = new Map(
      this.mirror.model.trainableWeights.map((w) => [w.originalName, w.name]),
    );
    const trainable = this.graph.weights.filter((v) => byOriginal.has(v.name));
    return trainable.map((v) => byOriginal.get(v.name) as string);
  }

  async dispose(): Promise<void> {
    this.addon.dispose(this.graph.builder.graph);
    this.mirror.dispose();
  }
}

function floats(name: string, data: ArrayLike<number>, shape: readonly number[]) {
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  return { name, dtype: 'float32' as const, shape, data: values };
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function countArgMaxHits(logits: Float32Array, labels: Int32Array, classes: number): number {
  let hits = 0;
  labels.forEach((label, i) => {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if ((logits[i * classes + c] as number) > (logits[i * classes + best] as number)) best = c;
    }
    if (best === label) hits++;
  });
  return hits;
}
