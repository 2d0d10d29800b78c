import { DataSplitError } from './errors.js';
import { selectRows } from './labelled-set.js';
import { LegacyRandomState } from './legacy-random-state.js';
import type { LabelledImageSet } from './types.js';

export interface BalancedSplitOptions {
  /** Rows of each class moved to the test side; the seed notebook uses 1000. */
  perClass?: number;
  /** Seed of numpy's legacy global generator (`np.random.seed`); the notebook uses 27. */
  seed?: number;
}

export interface BalancedSplit {
  train: LabelledImageSet;
  test: LabelledImageSet;
  /** Input rows kept for training, ascending. */
  trainIndices: number[];
  /** Input rows drawn for testing, in the order of `test`. */
  testIndices: number[];
}

/**
 * Draws `perClass` rows of every class into a test set exactly as the seed notebook does with
 * numpy, so equal input order gives equal rows:
 *
 *     np.random.seed(seed)
 *     for label in df.label.unique():          # order of first appearance
 *         rows = np.random.choice(df[df.label == label].index, perClass, replace=False)
 *         test = pd.concat([test, df.loc[rows]]); df = df.drop(index=rows)
 *
 * The test set is therefore class by class in that order, each class in draw order; the train
 * set keeps the remaining rows in their original order.
 */
export function balancedSplit(
  set: LabelledImageSet,
  options: BalancedSplitOptions = {},
): BalancedSplit {
  const { perClass = 1000, seed = 27 } = options;
  if (!Number.isInteger(perClass) || perClass < 0) {
    throw new DataSplitError(
      'INVALID_OPTION',
      `perClass must be a non-negative integer, got ${perClass}`,
    );
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new DataSplitError('INVALID_OPTION', `seed must be an integer in 0..2^32-1, got ${seed}`);
  }
  const rowsByLabel = groupRowsByLabel(set.labels);
  for (const [label, rows] of rowsByLabel) {
    if (rows.length < perClass) {
      throw new DataSplitError(
        'CLASS_TOO_SMALL',
        `label ${label} has only ${rows.length} rows, fewer than the ${perClass} per class requested for the test split`,
      );
    }
  }
  const random = new LegacyRandomState(seed);
  const inTest = new Uint8Array(set.count);
  const testIndices: number[] = [];
  for (const rows of rowsByLabel.values()) {
    for (const row of random.choiceWithoutReplacement(rows, perClass)) {
      testIndices.push(row);
      inTest[row] = 1;
    }
  }
  const trainIndices: number[] = [];
  for (let row = 0; row < set.count; row++) if (!inTest[row]) trainIndices.push(row);
  return {
    train: selectRows(set, trainIndices),
    test: selectRows(set, testIndices),
    trainIndices,
    testIndices,
  };
}

/** Ascending rows of each label; the map iterates labels in order of first appearance. */
function groupRowsByLabel(labels: Uint8Array): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  labels.forEach((label, row) => {
    const rows = groups.get(label);
    if (rows) rows.push(row);
    else groups.set(label, [row]);
  });
  return groups;
}
