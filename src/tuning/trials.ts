import { withPreset } from '../jobs/presets.js';
import type { TrainingJobRequest } from '../jobs/training-job.js';
import type { ModelSpec } from '../ml/spec.js';
import { parseSpec } from '../ml/spec-parse.js';
import { TRAINING_DEFAULTS } from '../ml/training-defaults.js';
import type { TrialParams } from './parameters.js';
import type { BaseRecipe, SgdOnly } from './trial-conflicts.js';

type Training = NonNullable<TrainingJobRequest['training']>;

/** Parameters that set the training option of the same name. */
const TRAINING_FIELDS = [
  'learningRate',
  'batchSize',
  'epochs',
  'optimizer',
  'weightDecay',
  'momentum',
  'nesterov',
  'labelSmoothing',
  'clipNorm',
] as const;
const AUGMENT_FIELDS = ['translate', 'flip', 'erase'] as const;

/** The base request's training options over its preset's, as every trial starts from. */
export function baseTraining(base: Pick<TrainingJobRequest, 'preset' | 'training'>): Training {
  return withPreset(base).training;
}

/** What the conflict rules (trial-conflicts.ts) read of the base training. */
export function baseRecipeOf(base: Pick<TrainingJobRequest, 'preset' | 'training'>): BaseRecipe {
  const training = baseTraining(base);
  return {
    optimizer: training.optimizer ?? TRAINING_DEFAULTS.optimizer,
    momentum: training.momentum,
    nesterov: training.nesterov,
    epochs: training.epochs ?? TRAINING_DEFAULTS.epochs,
    warmupEpochs: training.schedule?.warmupEpochs,
  };
}

/**
 * One trial's training request: the tuning job's base request (its preset applied) with
 * the trial's parameters applied (see parameters.ts for what each one changes), without
 * the base settings `leaveOut` names (see resolvePoint).
 */
export function trialRequest(
  base: TrainingJobRequest,
  params: TrialParams,
  leaveOut: readonly SgdOnly[] = [],
): TrainingJobRequest {
  const spec = parseSpec(withPreset(base).model);
  const model = applyArchitecture(spec, params);
  const training = applyTraining(baseTraining(base), params);
  for (const name of leaveOut) delete training[name];
  return { dataset: base.dataset, model: model as unknown as Record<string, unknown>, training };
}

function applyTraining(training: Training, params: TrialParams): Training {
  Object.assign(training, pick(params, TRAINING_FIELDS));
  if (params.schedule !== undefined || params.warmupEpochs !== undefined) {
    // A warm-up drawn alone warms up the base's schedule, or a constant rate.
    const schedule = training.schedule ?? { type: 'constant' };
    training.schedule = {
      ...schedule,
      type: params.schedule ?? schedule.type,
      ...pick(params, ['warmupEpochs']),
    };
  }
  const augment = pick(params, AUGMENT_FIELDS);
  if (Object.keys(augment).length > 0) training.augment = { ...training.augment, ...augment };
  return training;
}

/** The fields of `from` that are set (of `keys`, when given). */
function pick<T extends object, K extends keyof T>(from: T, keys?: readonly K[]): Pick<T, K> {
  const names = keys ?? (Object.keys(from) as K[]);
  const picked = {} as Pick<T, K>;
  for (const k of names) if (from[k] !== undefined) picked[k] = from[k];
  return picked;
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
