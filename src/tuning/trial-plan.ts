import type { SearchSpace } from './search-space.js';
import { gridPoint, gridSize, randomPoints } from './search-space.js';
import { type BaseRecipe, type ResolvedPoint, resolvePoint } from './trial-conflicts.js';

export interface TrialPlan {
  trials: ResolvedPoint[];
  /**
   * Grid points not run: with their sgd-only settings left out they repeat an earlier
   * trial (a grid of optimizer [adam, sgd] x momentum [0, 0.9] runs adam once).
   */
  skippedRepeats: number;
}

/**
 * The trials of a search, each resolved (trial-conflicts.ts). A grid walks its points in
 * order until `budget` trials are found; the walk is short, since a point can repeat only
 * points that differ from it in momentum and nesterov alone.
 */
export function planTrials(
  space: SearchSpace,
  base: BaseRecipe,
  options: { search: 'grid' | 'random'; budget: number; seed: number },
): TrialPlan {
  const { search, budget, seed } = options;
  if (search === 'random') {
    return {
      trials: randomPoints(space, budget, seed).map((p) => resolvePoint(p, base)),
      skippedRepeats: 0,
    };
  }
  const trials: ResolvedPoint[] = [];
  const adjusted = new Set<string>();
  let skippedRepeats = 0;
  const size = gridSize(space);
  for (let index = 0; index < size && trials.length < budget; index++) {
    const point = resolvePoint(gridPoint(space, index), base);
    // Only an adjusted point can repeat another: unadjusted ones have every dimension.
    if (point.adjustments.length > 0) {
      const key = JSON.stringify(point.params);
      if (adjusted.has(key)) {
        skippedRepeats++;
        continue;
      }
      adjusted.add(key);
    }
    trials.push(point);
  }
  return { trials, skippedRepeats };
}
