import type { Saliency } from './saliency.js';

/** One classified image. */
export interface Prediction {
  /** Index of the most probable class. */
  label: number;
  className: string;
  /** One probability per class, in label order. */
  probabilities: number[];
  /** Present when the request asked to explain: which pixels the prediction depends on. */
  saliency?: Saliency;
}

export interface PredictionResult {
  /** The model version that answered (an alias resolves to one). */
  model: { id: string; version: number };
  predictions: Prediction[];
}

/**
 * Classifies prepared inputs (784 values in [0, 1] each, see model-input.ts) with a
 * registered model, off the event loop.
 */
export interface PredictOptions {
  /** Add a saliency map to each prediction; at most MAX_EXPLAINED_INSTANCES inputs. */
  explain?: boolean;
}

export interface Predictor {
  predict(
    modelIdOrAlias: string,
    inputs: Float32Array[],
    options?: PredictOptions,
  ): Promise<PredictionResult>;
  close(): Promise<void>;
}
