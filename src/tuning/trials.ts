import type { TrainingJobRequest } from '../jobs/training-job.js';
import type { ModelSpec } from '../ml/spec.js';
import { parseSpec } from '../ml/spec-parse.js';
import type { TrialParams } from './search-space.js';

/**
 * One trial's training request: the tuning job's base request with the trial's parameters
 * applied (see PARAMETERS in search-space.ts for what each one changes).
 */
export function trialRequest(base: TrainingJobRequest, params: TrialParams): TrainingJobRequest {
  const spec = parseSpec(base.model ?? {});
  const model = applyArchitecture(spec, params);
  const training = { ...base.training };
  if (params.learningRate !== undefined) training.learningRate = params.learningRate;
  if (params.batchSize !== undefined) training.batchSize = params.batchSize;
  if (params.epochs !== undefined) training.epochs = params.epochs;
  return { dataset: base.dataset, model: model as unknown as Record<string, unknown>, training };
}

function applyArchitecture(spec: ModelSpec, params: TrialParams): ModelSpec {
  let conv = [...spec.conv];
  if (params.blocks !== undefined) {
    // More blocks than the base has: repeat its last block, each one twice as wide.
    while (conv.length < params.blocks) {
      const last = conv.at(-1);
      if (!last) break;
      conv.push({ ...last, channels: last.channels * 2 });
    }
    conv = conv.slice(0, params.blocks);
  }
  const first = params.channels;
  if (first !== undefined) conv = conv.map((b, i) => ({ ...b, channels: first * 2 ** i }));
  let dense = [...spec.dense];
  const widest = params.neurons;
  if (widest !== undefined) {
    const output = dense.length - 1;
    dense = dense.map((b, i) =>
      i < output ? { ...b, neurons: Math.max(1, Math.round(widest / 2 ** i)) } : b,
    );
  }
  const dropout = params.dropout;
  if (dropout !== undefined) dense = dense.map((b) => ({ ...b, dropout }));
  return { ...spec, conv, dense };
}
