import type { LayersModel } from '@tensorflow/tfjs-layers';
import { CLASS_NAMES } from '../../src/data/index.js';
import { createModel } from '../../src/ml/model.js';
import { exportModel } from '../../src/ml/model-state.js';
import type { ModelSpec } from '../../src/ml/spec.js';
import type { ArtifactStore } from '../../src/store/artifact-store.js';
import type { ModelRegistry } from '../../src/store/model-registry.js';

/**
 * A real (untrained, seeded) model, saved, stored and registered as a training job would;
 * `prepare` may change its weights before it is saved.
 */
export async function registerModel(
  { registry, store }: { registry: ModelRegistry; store: ArtifactStore },
  spec: ModelSpec,
  id: string,
  seed: number,
  prepare?: (model: LayersModel) => void,
): Promise<LayersModel> {
  const model = createModel(spec, { seed });
  prepare?.(model);
  const saved = {
    artifacts: await exportModel(model),
    meta: { seed },
  };
  const stored = await store.putModel(id, saved);
  await registry.register({
    id,
    jobId: id,
    spec,
    metrics: {},
    classNames: [...CLASS_NAMES],
    artifact: id,
    sha256: stored.sha256,
    backend: 'wasm',
  });
  return model;
}
