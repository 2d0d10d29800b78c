import type { BackendChoice } from '../ml/backend.js';
import type { ModelArtifacts } from '../ml/model-state.js';
import type { Saliency } from './saliency.js';

/** What an inference worker starts with. */
export interface InferenceWorkerData {
  backend: BackendChoice;
  /** Largest batch one forward pass takes; bigger requests are run in slices of this size. */
  batchSize: number;
  /** TensorFlow threads of each compiled forward pass (native backends); 0: every core. */
  tensorflowThreads: number;
}

/**
 * The pool decides which models a worker holds (see model-cache.ts), so a request names the
 * models to drop and, when the worker lacks it, carries the model to load. A worker handles
 * one message at a time, in the order they were posted, so the two sides always agree.
 */
export type InferenceRequest =
  | {
      id: number;
      type: 'predict';
      model: string;
      evict: string[];
      load?: ModelArtifacts;
      /** `count` inputs, one after the other. */
      inputs: Float32Array;
      count: number;
      /** Also compute each input's saliency map (a backward pass). */
      explain?: boolean;
    }
  | { id: number; type: 'stats' };

export interface PredictOutput {
  /** `numClasses` probabilities per input, one input after the other. */
  probabilities: Float32Array;
  numClasses: number;
  /** One per input, when the request asked to explain. */
  saliency?: Saliency[];
}

export interface InferenceWorkerStats {
  backend: string;
  /** Live tensors in the worker's engine: the loaded models' weights, nothing else between batches. */
  numTensors: number;
  /** Loaded model keys. */
  models: string[];
  /** Those whose forward pass runs as one TensorFlow graph (native backends). */
  compiled: string[];
  /** Forward passes run so far; fewer than requests when micro-batching merged some. */
  batches: number;
}

export type InferenceReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };

export interface InferenceReady {
  ready: true;
  backend: string;
}
