import type { LabelledImageSet } from '../data/types.js';
import type { EngineData, TrainingEngine } from './engine.js';
import {
  exportModel,
  exportOptimizer,
  type ModelArtifacts,
  type OptimizerState,
} from './model-state.js';
import { Replica, type ReplicaOptions } from './replica.js';
import type { StepInput } from './step-recipe.js';

/** Trains in this thread with a single replica. */
export class LocalEngine implements TrainingEngine {
  readonly replicas = 1;
  readonly step = 'eager';
  private readonly replica: Replica;

  constructor(
    private readonly data: EngineData,
    options: ReplicaOptions,
    readonly backend: string,
  ) {
    this.replica = new Replica(options);
  }

  get model() {
    return this.replica.model;
  }

  async trainBatch(rows: Int32Array, step?: StepInput) {
    return this.replica.trainBatch(this.data.train, rows, step);
  }

  async evaluate(set: 'val' | 'test') {
    return this.replica.evaluate(this.pick(set));
  }

  private pick(set: 'val' | 'test'): LabelledImageSet {
    const chosen = this.data[set];
    if (!chosen) throw new Error(`no ${set} set was given`);
    return chosen;
  }

  exportModel() {
    return exportModel(this.replica.model);
  }

  exportOptimizer() {
    return exportOptimizer(this.replica.optimizer);
  }

  importState(model: ModelArtifacts, optimizer?: OptimizerState) {
    return this.replica.importState(model, optimizer);
  }

  async dispose() {
    this.replica.dispose();
  }
}
