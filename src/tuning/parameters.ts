import { OPTIMIZERS } from '../ml/optimizer.js';
import { SCHEDULES } from '../ml/schedule.js';

/**
 * What a tuning job may vary (trials.ts applies each to a trial). Architecture, the seed's
 * way: `channels` is the first conv block's width (each next block doubles it), `neurons`
 * the first hidden dense block's (each next one halves it), `blocks` the number of conv
 * blocks, `dropout` the rate of every dense block. Training options map one to one, but
 * `warmupEpochs` (the schedule's) and `translate`/`erase` (the augmentation's). Bounds are
 * the training options' own, or narrower where theirs would make no useful search.
 */
export const NUMERIC_PARAMETERS = {
  learningRate: { integer: false, min: 1e-6, max: 1 },
  dropout: { integer: false, min: 0, max: 0.9 },
  batchSize: { integer: true, min: 1, max: 4096 },
  epochs: { integer: true, min: 1, max: 1000 },
  channels: { integer: true, min: 1, max: 1024 },
  neurons: { integer: true, min: 1, max: 8192 },
  blocks: { integer: true, min: 1, max: 6 },
  weightDecay: { integer: false, min: 0, max: 1 },
  labelSmoothing: { integer: false, min: 0, max: 0.5 },
  momentum: { integer: false, min: 0, max: 0.999 },
  // A clipping norm of 0 would zero every gradient: the bound excludes it.
  clipNorm: { integer: false, min: 0, max: 1000, aboveMin: true },
  warmupEpochs: { integer: false, min: 0, max: 1000 },
  translate: { integer: true, min: 0, max: 8 },
  erase: { integer: false, min: 0, max: 1 },
} as const satisfies Record<string, NumericBounds>;

/**
 * Parameters that take a list of `values` only, each one of these: `optimizer`, `schedule`
 * (the schedule's type), and `flip` (augmentation) and `nesterov` (sgd) as switches.
 */
export const CATEGORICAL_PARAMETERS = {
  optimizer: OPTIMIZERS,
  schedule: SCHEDULES,
  flip: [true, false],
  nesterov: [true, false],
} as const satisfies Record<string, readonly (string | boolean)[]>;

interface NumericBounds {
  integer: boolean;
  min: number;
  max: number;
  /** The bound is `> min` rather than `>= min`. */
  aboveMin?: boolean;
}

export type NumericName = keyof typeof NUMERIC_PARAMETERS;
export type CategoricalName = keyof typeof CATEGORICAL_PARAMETERS;
export type ParameterName = NumericName | CategoricalName;
export type Choice<N extends CategoricalName> = (typeof CATEGORICAL_PARAMETERS)[N][number];

/** One trial's point of the space: a value for each dimension the space has. */
export type TrialParams = { [N in NumericName]?: number } & { [N in CategoricalName]?: Choice<N> };

export const PARAMETER_NAMES = [
  ...Object.keys(NUMERIC_PARAMETERS),
  ...Object.keys(CATEGORICAL_PARAMETERS),
] as ParameterName[];

export function isCategorical(name: string): name is CategoricalName {
  return Object.hasOwn(CATEGORICAL_PARAMETERS, name);
}
