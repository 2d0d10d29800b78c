/** One classified image. */
export interface Prediction {
  /** Index of the most probable class. */
  label: number;
  className: string;
  /** One probability per class, in label order. */
  probabilities: number[];
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
export interface Predictor {
  predict(modelIdOrAlias: string, inputs: Float32Array[]): Promise<PredictionResult>;
  close(): Promise<void>;
}
