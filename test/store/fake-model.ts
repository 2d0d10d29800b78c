import type { SavedModel } from '../../src/store/checkpoints.js';

/** Artifacts in the tfjs layers layout; the store never looks inside, so no real net is needed. */
export function fakeModel(seed = 1): SavedModel {
  const weights = new Float32Array(64).map((_, i) => i * seed);
  return {
    artifacts: {
      topology: { class_name: 'Sequential', config: { name: `fake-${seed}`, layers: [] } },
      weightSpecs: [{ name: 'dense/kernel', shape: [8, 8], dtype: 'float32' }],
      weightData: weights.buffer,
    },
    meta: { valAcc: 0.5, seed },
  };
}
