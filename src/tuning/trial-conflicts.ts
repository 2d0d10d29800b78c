import type { OptimizerName } from '../ml/optimizer.js';
import type { TrialParams } from './parameters.js';
import { type NumericDimension, type SearchSpace, SearchSpaceError } from './search-space.js';

/**
 * Training fields of a trial that only mean something with others (checkRecipe in
 * jobs/training-recipe-schema.ts refuses them otherwise): momentum and nesterov apply to
 * sgd alone, nesterov needs momentum above 0, and a warm-up must end before the last epoch.
 *
 * How a search meets them:
 * - a dimension that no trial of the space can use is refused up front (momentum or
 *   nesterov when no trial is sgd, nesterov `true` when no trial has momentum above 0);
 * - a trial where an sgd-only setting does not apply runs without it, and its record says
 *   what was left out (so `optimizer` can be searched together with `momentum`);
 * - a warm-up that can reach a trial's epochs is refused up front: leaving it out would
 *   change the schedule being compared, and narrowing the range is the client's call.
 * Conflicts within the base training alone are its own error, as for any training job.
 */

/** The base training's fields these rules read, defaults and preset applied. */
export interface BaseRecipe {
  optimizer: OptimizerName;
  momentum?: number;
  nesterov?: boolean;
  epochs: number;
  warmupEpochs?: number;
}

export const SGD_ONLY = ['momentum', 'nesterov'] as const;
export type SgdOnly = (typeof SGD_ONLY)[number];

/** Refuses a space a dimension of which no trial could use, or whose warm-up can clash. */
export function checkConflicts(space: SearchSpace, base: BaseRecipe): void {
  const optimizers = space.optimizer?.values ?? [base.optimizer];
  if (!optimizers.includes('sgd')) {
    const from = space.optimizer ? 'space.optimizer' : 'training.optimizer';
    for (const name of SGD_ONLY) {
      if (space[name]) {
        throw new SearchSpaceError(
          `space.${name}: applies to optimizer sgd only, and no trial uses it (${from}: ${optimizers.join(', ')})`,
        );
      }
    }
  }
  if (space.nesterov?.values.includes(true)) {
    const momentum = space.momentum ? largest(space.momentum) : (base.momentum ?? 0);
    if (!(momentum > 0)) {
      const why = space.momentum ? 'space.momentum has none' : 'training.momentum is not set';
      throw new SearchSpaceError(`space.nesterov: true needs momentum above 0, and ${why}`);
    }
  }
  if (space.warmupEpochs || space.epochs) {
    const warmup = space.warmupEpochs ? largest(space.warmupEpochs) : (base.warmupEpochs ?? 0);
    const epochs = space.epochs ? smallest(space.epochs) : base.epochs;
    if (warmup >= epochs) {
      throw new SearchSpaceError(
        space.warmupEpochs
          ? `space.warmupEpochs: ${warmup} is not below the fewest epochs a trial runs (${epochs})`
          : `space.epochs: ${epochs} is not above the warm-up of the base training's schedule (${warmup} epochs)`,
      );
    }
  }
}

/** A point as its trial runs it: the params it applies, and what it leaves out and why. */
export interface ResolvedPoint {
  params: TrialParams;
  /** One line per setting left out, for the trial's record. */
  adjustments: string[];
  /** Settings of the base training the trial runs without. */
  leaveOut: SgdOnly[];
}

/** Leaves out of a point the sgd-only settings that do not apply to it (see above). */
export function resolvePoint(point: TrialParams, base: BaseRecipe): ResolvedPoint {
  const params: TrialParams = { ...point };
  const adjustments: string[] = [];
  const leaveOut: SgdOnly[] = [];
  const varied = (name: keyof TrialParams) => name in point;
  const drop = (name: SgdOnly, why: string) => {
    if (name in params) {
      adjustments.push(`${name} ${params[name]} left out: ${why}`);
      delete params[name];
    } else if (base[name] !== undefined && !leaveOut.includes(name)) {
      adjustments.push(`training.${name} ${base[name]} left out: ${why}`);
      leaveOut.push(name);
    }
  };
  const optimizer = params.optimizer ?? base.optimizer;
  if (optimizer !== 'sgd' && (varied('optimizer') || SGD_ONLY.some(varied))) {
    for (const name of SGD_ONLY) drop(name, `it applies to optimizer sgd only, not ${optimizer}`);
  }
  const momentum = settingOf('momentum', params, base, leaveOut);
  const nesterov = settingOf('nesterov', params, base, leaveOut);
  if (nesterov && !(Number(momentum) > 0) && (varied('nesterov') || varied('momentum'))) {
    drop('nesterov', `it needs momentum above 0, and this trial's is ${momentum ?? 'not set'}`);
  }
  return { params, adjustments, leaveOut };
}

function settingOf<N extends SgdOnly>(
  name: N,
  params: TrialParams,
  base: BaseRecipe,
  leaveOut: readonly SgdOnly[],
): BaseRecipe[N] {
  if (name in params) return params[name] as BaseRecipe[N];
  return leaveOut.includes(name) ? undefined : base[name];
}

function largest(dim: NumericDimension): number {
  return 'values' in dim ? Math.max(...dim.values) : dim.max;
}

function smallest(dim: NumericDimension): number {
  return 'values' in dim ? Math.min(...dim.values) : dim.min;
}
