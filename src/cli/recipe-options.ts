import Value from 'typebox/value';
import { PRESET_NAMES } from '../jobs/presets.js';
import {
  InvalidJobError,
  type TrainingJobData,
  TrainingJobRequestSchema,
  toJobData,
} from '../jobs/training-job.js';
import { OPTIMIZERS } from '../ml/optimizer.js';
import { SCHEDULES } from '../ml/schedule.js';
import type { ModelSpec } from '../ml/spec.js';
import { TRAINING_DEFAULTS } from '../ml/training-defaults.js';
import type { OptionDoc } from './option-table.js';
import { UsageError } from './option-table.js';

/** Flags of the training options, named as the API's fields are (kebab-case). */
export const TRAINING_OPTIONS: OptionDoc[] = [
  {
    name: 'preset',
    type: 'string',
    value: 'NAME',
    help: `${PRESET_NAMES.join(' | ')}: model and training to start from; other flags override it (default notebook).`,
  },
  {
    name: 'epochs',
    type: 'string',
    value: 'N',
    help: `Epochs to train (default ${TRAINING_DEFAULTS.epochs}).`,
  },
  {
    name: 'batch-size',
    type: 'string',
    value: 'N',
    help: `Images per batch (default ${TRAINING_DEFAULTS.batchSize}).`,
  },
  {
    name: 'optimizer',
    type: 'string',
    value: 'NAME',
    help: `${OPTIMIZERS.join(' | ')} (default ${TRAINING_DEFAULTS.optimizer}).`,
  },
  {
    name: 'learning-rate',
    type: 'string',
    value: 'R',
    help: "The (peak) learning rate. Default: Keras' default for the optimizer.",
  },
  {
    name: 'schedule',
    type: 'string',
    value: 'TYPE',
    help: `${SCHEDULES.join(' | ')} (default constant).`,
  },
  {
    name: 'warmup-epochs',
    type: 'string',
    value: 'E',
    help: 'Linear warm-up over E epochs (fractions allowed).',
  },
  {
    name: 'step-epochs',
    type: 'string',
    value: 'N',
    help: 'step schedule: decay every N epochs (default 10).',
  },
  {
    name: 'step-factor',
    type: 'string',
    value: 'F',
    help: 'step schedule: multiply the rate by F (default 0.1).',
  },
  {
    name: 'min-learning-rate',
    type: 'string',
    value: 'R',
    help: 'cosine, one-cycle: the rate at the end (default 0).',
  },
  {
    name: 'weight-decay',
    type: 'string',
    value: 'W',
    help: 'Decoupled weight decay (default 0.004 for adamw, else 0).',
  },
  { name: 'momentum', type: 'string', value: 'M', help: 'sgd: momentum (default 0).' },
  { name: 'nesterov', type: 'boolean', help: "sgd: Nesterov's momentum." },
  {
    name: 'label-smoothing',
    type: 'string',
    value: 'E',
    help: 'Smooth one-hot targets by E (default 0).',
  },
  { name: 'clip-norm', type: 'string', value: 'N', help: 'Clip gradients to global L2 norm N.' },
  {
    name: 'translate',
    type: 'string',
    value: 'P',
    help: 'Augment: shift images by up to P pixels.',
  },
  { name: 'flip', type: 'boolean', help: 'Augment: mirror half the images left-right.' },
  {
    name: 'erase',
    type: 'string',
    value: 'P',
    help: 'Augment: random erasing with probability P.',
  },
  {
    name: 'patience',
    type: 'string',
    value: 'N',
    help: 'Stop after N epochs without a better val_acc; the best epoch is tested.',
  },
  {
    name: 'min-delta',
    type: 'string',
    value: 'D',
    help: 'With --patience: the rise in val_acc that counts (default 0).',
  },
  {
    name: 'seed',
    type: 'string',
    value: 'N',
    help: 'Seeds weights, dropout, augmentation and batch order: two runs give the same metrics.',
  },
  {
    name: 'test-per-class',
    type: 'string',
    value: 'N',
    help: 'Images per class held out from training as the test set (default 1000).',
  },
  {
    name: 'train-size',
    type: 'string',
    value: 'N',
    help: 'Train on a class-balanced subset of N images.',
  },
  {
    name: 'val-size',
    type: 'string',
    value: 'N',
    help: 'Validate on a class-balanced subset of N images.',
  },
  {
    name: 'test-size',
    type: 'string',
    value: 'N',
    help: 'Test on a class-balanced subset of N images.',
  },
];

type Values = Record<string, string | boolean | undefined>;

/**
 * The job a `tailor train` command line describes, defaulted and checked exactly as the API
 * checks `POST /v1/training-jobs`: the same preset, the same schema, the same messages.
 */
export function jobFromFlags(values: Values, spec: ModelSpec | undefined): TrainingJobData {
  const number = (name: string) => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n)) {
      throw new UsageError(`--${name} must be a number, got '${raw}'`);
    }
    return n;
  };
  const flag = (name: string) => (values[name] ? true : undefined);
  const choice = (name: string, choices: readonly string[]) => {
    const raw = values[name];
    if (raw !== undefined && !choices.includes(String(raw))) {
      throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got '${raw}'`);
    }
    return raw;
  };
  const schedule = {
    type: choice('schedule', SCHEDULES),
    warmupEpochs: number('warmup-epochs'),
    stepEpochs: number('step-epochs'),
    stepFactor: number('step-factor'),
    minLearningRate: number('min-learning-rate'),
  };
  const augment = { translate: number('translate'), flip: flag('flip'), erase: number('erase') };
  const patience = number('patience');
  const training = {
    epochs: number('epochs'),
    batchSize: number('batch-size'),
    optimizer: choice('optimizer', OPTIMIZERS),
    learningRate: number('learning-rate'),
    schedule: given(schedule),
    weightDecay: number('weight-decay'),
    momentum: number('momentum'),
    nesterov: flag('nesterov'),
    labelSmoothing: number('label-smoothing'),
    clipNorm: number('clip-norm'),
    augment: given(augment),
    earlyStopping: given({ patience, minDelta: number('min-delta') }),
    seed: number('seed'),
    testPerClass: number('test-per-class'),
    trainSize: number('train-size'),
    valSize: number('val-size'),
    testSize: number('test-size'),
  };
  const preset = choice('preset', PRESET_NAMES);
  const request = withoutUndefined({ preset, model: spec, training });
  const problem = Value.Errors(TrainingJobRequestSchema, request)[0];
  if (problem) {
    const { requiredProperties } = problem.params as { requiredProperties?: string[] };
    const missing = requiredProperties?.[0];
    if (missing) throw new UsageError(`${flagOf(missing)}: is needed with the flags given`);
    const flagName = flagOf(problem.instancePath);
    const raw = values[flagName.slice(2)];
    const got = typeof raw === 'string' ? `, got '${raw}'` : '';
    throw new UsageError(`${flagName}: ${problem.message}${got}`);
  }
  try {
    return toJobData(request as never);
  } catch (err) {
    if (err instanceof InvalidJobError) throw new UsageError(err.message);
    throw err;
  }
}

/** The object when any of its fields was given on the command line. */
function given<T extends object>(fields: T): T | undefined {
  return Object.values(fields).some((v) => v !== undefined) ? fields : undefined;
}

/** `/training/batchSize` -> `--batch-size`, as the user typed it. */
function flagOf(path: string): string {
  const field = path.split('/').filter(Boolean).at(-1) ?? 'request';
  if (field === 'type') return '--schedule';
  if (field === 'patience') return '--patience';
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value) || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, withoutUndefined(v)]),
  );
}
