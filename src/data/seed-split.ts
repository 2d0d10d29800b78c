import { type BalancedSplitOptions, balancedSplit } from './balanced-split.js';
import { balancedSubset } from './balanced-subset.js';
import type { LabelledImageSet } from './types.js';

export interface SeedSplitOptions extends BalancedSplitOptions {
  /** Optional smaller sizes for quick runs; see `balancedSubsetRows` for which rows are kept. */
  trainSize?: number;
  valSize?: number;
  testSize?: number;
}

export interface SeedSplit {
  train: LabelledImageSet;
  val: LabelledImageSet;
  test: LabelledImageSet;
}

/**
 * The seed notebook's three sets: a balanced test set drawn from the 60,000 training images
 * (leaving 50,000 to train on), and the official 10,000 t10k images for validation.
 */
export function seedSplit(
  train60k: LabelledImageSet,
  t10k: LabelledImageSet,
  options: SeedSplitOptions = {},
): SeedSplit {
  const { trainSize, valSize, testSize, ...splitOptions } = options;
  const { train, test } = balancedSplit(train60k, splitOptions);
  return {
    train: balancedSubset(train, trainSize),
    val: balancedSubset(t10k, valSize),
    test: balancedSubset(test, testSize),
  };
}
