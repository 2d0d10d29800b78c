import type { LabelledImageSet } from '../data/types.js';
import type { Predictor } from '../inference/predictor.js';
import type { ModelOutputs } from '../ml/evaluate.js';

/**
 * Images per predictor call: the pool's default forward-pass size, so an evaluation takes
 * turns with prediction requests instead of holding a worker for the whole set.
 */
const BATCH = 64;
/** Calls in flight: the next batch is queued while one runs. */
const IN_FLIGHT = 2;

/**
 * Every image of `set` through the predictor (worker threads, so the event loop stays
 * free), scaled to [0, 1] as in training. Returns each row's top class and its probability;
 * ties go to the lowest class, as argmax does.
 */
export async function predictSet(
  predictor: Predictor,
  modelId: string,
  set: LabelledImageSet,
): Promise<ModelOutputs> {
  const predicted = new Uint8Array(set.count);
  const confidences = new Float32Array(set.count);
  const size = set.height * set.width;
  let next = 0;
  let failed = false;

  async function worker(): Promise<void> {
    // After a failure the other loop stops too, rather than predicting for nothing.
    while (next < set.count && !failed) {
      const start = next;
      const end = Math.min(set.count, start + BATCH);
      next = end;
      const inputs: Float32Array[] = [];
      for (let row = start; row < end; row++) {
        const image = set.images.subarray(row * size, (row + 1) * size);
        inputs.push(Float32Array.from(image, (v) => v / 255));
      }
      const result = await predictor.predict(modelId, inputs);
      if (result.model.id !== modelId) {
        throw new Error(`asked model '${modelId}' but '${result.model.id}' answered`);
      }
      result.predictions.forEach((p, i) => {
        predicted[start + i] = p.label;
        confidences[start + i] = p.probabilities[p.label] as number;
      });
    }
  }

  await Promise.all(
    Array.from({ length: IN_FLIGHT }, () =>
      worker().catch((err: unknown) => {
        failed = true;
        throw err;
      }),
    ),
  );
  return { predicted, confidences };
}
