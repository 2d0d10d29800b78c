import { UnrecoverableError } from 'bullmq';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { BUILT_IN_DATASET } from '../data/index.js';
import { OPTIMIZERS, type OptimizerName } from '../ml/optimizer.js';
import type { ModelSpec } from '../ml/spec.js';
import { SpecError } from '../ml/spec.js';
import { parseSpec } from '../ml/spec-parse.js';
import { TRAINING_DEFAULTS } from '../ml/training-defaults.js';
import type { EarlyStopping } from './early-stopping.js';
import { PRESET_NAMES, type PresetName, withPreset } from './presets.js';
import {
  AugmentSchema,
  checkRecipe,
  PatienceSchema,
  RecipeError,
  ScheduleSchema,
} from './training-recipe-schema.js';

/** What a client may ask of a training job; everything but the data set is optional. */
export const TrainingOptionsSchema = Type.Object(
  {
    epochs: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, default: TRAINING_DEFAULTS.epochs }),
    ),
    batchSize: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 4096, default: TRAINING_DEFAULTS.batchSize }),
    ),
    optimizer: Type.Optional(
      // Typed as the list it is made of: a new optimizer reaches the API, the CLI and tuning.
      Type.Unsafe<OptimizerName>(
        Type.Union(
          OPTIMIZERS.map((name) => Type.Literal(name)),
          { default: TRAINING_DEFAULTS.optimizer },
        ),
      ),
    ),
    learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
    schedule: Type.Optional(ScheduleSchema),
    /** Decoupled weight decay; adamw's default is 0.004, the other optimizers' 0. */
    weightDecay: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** sgd only. */
    momentum: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
    nesterov: Type.Optional(Type.Boolean()),
    labelSmoothing: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5 })),
    clipNorm: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
    augment: Type.Optional(AugmentSchema),
    earlyStopping: Type.Optional(PatienceSchema),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
    /** Images per class held out of the training files as the test set (seed: 1000). */
    testPerClass: Type.Optional(Type.Integer({ minimum: 1 })),
    trainSize: Type.Optional(Type.Integer({ minimum: 1 })),
    valSize: Type.Optional(Type.Integer({ minimum: 1 })),
    testSize: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Ends the job as timed out after this much running time, summed over its attempts. */
    maxRunSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 24 * 3600 })),
  },
  { additionalProperties: false },
);

export const TrainingJobRequestSchema = Type.Object(
  {
    dataset: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$', default: BUILT_IN_DATASET }),
    ),
    /** Model and training defaults to start from; `model` and `training` override them. */
    preset: Type.Optional(
      Type.Unsafe<PresetName>(
        Type.Union(
          PRESET_NAMES.map((name) => Type.Literal(name)),
          { default: 'notebook' },
        ),
      ),
    ),
    model: Type.Optional(Type.Object({}, { additionalProperties: true })),
    training: Type.Optional(TrainingOptionsSchema),
  },
  { additionalProperties: false },
);

export type TrainingJobRequest = Static<typeof TrainingJobRequestSchema>;
/** Training options with their defaults applied. */
export type TrainingOptions = Static<typeof TrainingOptionsSchema> & {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
};

/** A job as queued: every default filled in, the spec complete and validated. */
export interface TrainingJobData {
  dataset: string;
  spec: ModelSpec;
  training: TrainingOptions;
  /** Set on the trials of a tuning job (src/tuning). */
  tuning?: TrialOf;
}

/** A trial's place in its tuning job. Trials register no model: their tuning job does. */
export interface TrialOf {
  id: string;
  trial: number;
  earlyStopping: EarlyStopping;
  /** Epoch ms after which the tuning job's time budget is spent. */
  deadline?: number;
}

/** A request that passed the schema but not the deeper checks (the model spec). */
export class InvalidJobError extends Error {
  constructor(
    readonly code:
      | 'UNKNOWN_DATASET'
      | 'DATASET_MISMATCH'
      | 'MODEL_TOO_LARGE'
      | 'INVALID_MODEL'
      | 'INVALID_SEARCH_SPACE'
      | 'INVALID_TRAINING',
    message: string,
  ) {
    super(message);
  }
}

/** Request body (already schema-valid) -> job data, or InvalidJobError naming the field. */
export function toJobData(request: TrainingJobRequest): TrainingJobData {
  const given = withPreset(request);
  const training = Value.Default(TrainingOptionsSchema, given.training) as TrainingOptions;
  try {
    checkRecipe(training);
  } catch (err) {
    if (err instanceof RecipeError) throw new InvalidJobError('INVALID_TRAINING', err.message);
    throw err;
  }
  let spec: ModelSpec;
  try {
    spec = parseSpec(given.model);
  } catch (err) {
    if (err instanceof SpecError) {
      const code = err.code === 'too_large' ? 'MODEL_TOO_LARGE' : 'INVALID_MODEL';
      throw new InvalidJobError(code, `model.${err.message}`);
    }
    throw err;
  }
  return {
    dataset: request.dataset ?? BUILT_IN_DATASET,
    spec,
    training,
  };
}

/**
 * Checks job data read back from Redis in the processor. Bad data fails the job without
 * retries: running it again cannot fix it.
 */
export function checkJobData(data: unknown): TrainingJobData {
  const candidate = data as Partial<TrainingJobData> | null;
  const errors = [...Value.Errors(TrainingOptionsSchema, candidate?.training)];
  const complete = ['epochs', 'batchSize', 'optimizer'].every(
    (key) => (candidate?.training as Record<string, unknown> | undefined)?.[key] !== undefined,
  );
  if (!candidate || typeof candidate.dataset !== 'string' || errors.length > 0 || !complete) {
    const first = errors[0];
    const where = first ? ` at training${first.instancePath}: ${first.message}` : '';
    throw new UnrecoverableError(`invalid training job data${where}`);
  }
  try {
    return {
      dataset: candidate.dataset,
      spec: parseSpec(candidate.spec),
      training: candidate.training as TrainingOptions,
      ...(candidate.tuning ? { tuning: candidate.tuning } : {}),
    };
  } catch (err) {
    throw new UnrecoverableError(`invalid model spec in job data: ${(err as Error).message}`);
  }
}
