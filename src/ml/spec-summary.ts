import { DEFAULT_MODEL_NAME } from './model.js';
import type { ModelSpec } from './spec.js';
import { specLayers } from './spec-layers.js';
import { formatSummary, pythonTuple, type SummaryRow } from './summary.js';

/**
 * The summary of the model a spec builds, computed from the spec alone: the API shows it
 * without building 3.4 million weights on its event loop. Tests hold it equal to
 * summarize(createModel(spec)).
 */
export function summarizeSpec(spec: ModelSpec, modelName = DEFAULT_MODEL_NAME): string {
  const layers = specLayers(spec);
  const rows: SummaryRow[] = layers.map((layer) => ({
    name: layer.name,
    type: layer.type,
    shape: pythonTuple([null, ...layer.dims]),
    params: layer.trainable + layer.nonTrainable,
  }));
  const sum = (key: 'trainable' | 'nonTrainable') => layers.reduce((n, l) => n + l[key], 0);
  return formatSummary(modelName, rows, sum('trainable'), sum('nonTrainable'));
}
