import Type, { type Static } from 'typebox';
import type { EarlyStopping } from '../jobs/early-stopping.js';
import { TrainingJobRequestSchema, TrainingOptionsSchema } from '../jobs/training-job.js';
import { checkSpace, gridSize, SearchSpaceError, SearchSpaceSchema } from './search-space.js';
import { planTrials } from './trial-plan.js';
import { baseRecipeOf } from './trials.js';

/** Trials of a tuning job that does not say how many. */
export const DEFAULT_TRIALS = 10;

const AliasName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' });

/** A tuning job: a base training request, what to vary, how to search, and a budget. */
export const TuningRequestSchema = Type.Object(
  {
    dataset: TrainingJobRequestSchema.properties.dataset,
    /** Model and training defaults every trial starts from, as a training job's. */
    preset: TrainingJobRequestSchema.properties.preset,
    /** The base model spec every trial starts from (default: the seed CNN). */
    model: TrainingJobRequestSchema.properties.model,
    /** Base training options of every trial. */
    training: Type.Optional(TrainingOptionsSchema),
    space: SearchSpaceSchema,
    search: Type.Optional(
      Type.Union([Type.Literal('random'), Type.Literal('grid')], { default: 'random' }),
    ),
    budget: Type.Optional(
      Type.Object(
        {
          /** Trials to run (random), or the first this many grid points (grid). */
          trials: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_TRIALS }),
          ),
          /** Wall time from submission after which no trial starts and running ones stop. */
          maxSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 24 * 3600 })),
        },
        { additionalProperties: false },
      ),
    ),
    earlyStopping: Type.Optional(
      Type.Object(
        {
          rule: Type.Optional(
            Type.Union([Type.Literal('median'), Type.Literal('halving'), Type.Literal('none')], {
              default: 'median',
            }),
          ),
          minEpochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1 })),
          minTrials: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 2 })),
          eta: Type.Optional(Type.Integer({ minimum: 2, maximum: 10, default: 3 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Seeds random search (and each trial's training unless `training.seed` is set). */
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
    /** An alias to point at the best trial's model once the tuning job completes. */
    promote: Type.Optional(AliasName),
  },
  { additionalProperties: false },
);

export type TuningRequest = Static<typeof TuningRequestSchema>;

export function earlyStoppingOf(request: TuningRequest): EarlyStopping {
  const e = request.earlyStopping ?? {};
  return {
    rule: e.rule ?? 'median',
    minEpochs: e.minEpochs ?? 1,
    minTrials: e.minTrials ?? 2,
    eta: e.eta ?? 3,
  };
}

/**
 * How many trials (each a training job) a request queues: its budget, or fewer when a grid
 * has fewer points or skips repeats (trial-plan.ts). The rate limit counts them before the
 * request is handled, so before its space is checked: a space the request will be refused
 * for counts its grid points.
 */
export function trialCount(request: TuningRequest): number {
  const budget = request.budget?.trials ?? DEFAULT_TRIALS;
  if (request.search !== 'grid') return budget;
  try {
    const space = checkSpace(request.space, 'grid');
    return planTrials(space, baseRecipeOf(request), { search: 'grid', budget, seed: 0 }).trials
      .length;
  } catch (err) {
    if (!(err instanceof SearchSpaceError)) throw err;
    return Math.min(budget, gridSize(request.space));
  }
}
