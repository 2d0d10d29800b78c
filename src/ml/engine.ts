import type { LabelledImageSet } from '../data/types.js';
import type { ModelArtifacts, OptimizerState } from './model-state.js';
import type { BatchResult, EvalResult } from './replica.js';
import type { StepInput } from './step-recipe.js';

/**
 * Where training computes: one in-process replica, or data-parallel replicas in worker
 * threads. The fit loop sees only this.
 */
export interface TrainingEngine {
  /** Which backend runs the replicas (as selectBackend reports it). */
  readonly backend: string;
  readonly replicas: number;
  /** One TensorFlow graph per step (compiled/), or tfjs ops one by one. */
  readonly step: 'compiled' | 'eager';
  /** One optimizer step on these training rows, at the step's learning rate. */
  trainBatch(rows: Int32Array, step?: StepInput): Promise<BatchResult>;
  /** Summed loss, predicted labels and top-class probabilities of every row, in row order. */
  evaluate(set: 'val' | 'test'): Promise<EvalResult>;
  exportModel(): Promise<ModelArtifacts>;
  exportOptimizer(): Promise<OptimizerState>;
  /**
   * Loads weights into every replica. With optimizer state this continues a training run,
   * so batch-norm moving statistics count as settled; without, only weights are copied.
   */
  importState(model: ModelArtifacts, optimizer?: OptimizerState): Promise<void>;
  dispose(): Promise<void>;
}

export interface EngineData {
  train: LabelledImageSet;
  val: LabelledImageSet;
  test?: LabelledImageSet;
}
