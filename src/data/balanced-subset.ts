import { DataSplitError } from './errors.js';
import { countPerClass, selectRows } from './labelled-set.js';
import type { LabelledImageSet } from './types.js';

/**
 * Rows for a quick-run subset of `size` rows, as balanced over classes as the data allows.
 *
 * Quotas are dealt round-robin over labels in ascending order, one row per label per round,
 * skipping labels that have run out, until `size` rows are dealt. Each label then contributes
 * its first rows in the set's order, and the result keeps that order. Quotas only grow with
 * `size`, so a smaller subset is always contained in a larger one.
 */
export function balancedSubsetRows(labels: Uint8Array, size: number): number[] {
  if (!Number.isInteger(size) || size < 0) {
    throw new DataSplitError(
      'INVALID_OPTION',
      `subset size must be a non-negative integer, got ${size}`,
    );
  }
  if (size > labels.length) {
    throw new DataSplitError(
      'SUBSET_TOO_LARGE',
      `cannot take a subset of ${size} rows from ${labels.length}`,
    );
  }
  const available = countPerClass(labels);
  const quota = available.map(() => 0);
  let dealt = 0;
  while (dealt < size) {
    for (let label = 0; label < quota.length && dealt < size; label++) {
      if ((quota[label] as number) < (available[label] as number)) {
        quota[label] = (quota[label] as number) + 1;
        dealt++;
      }
    }
  }
  const rows: number[] = [];
  labels.forEach((label, row) => {
    if ((quota[label] as number) > 0) {
      quota[label] = (quota[label] as number) - 1;
      rows.push(row);
    }
  });
  return rows;
}

/** `set` itself when `size` is undefined or the whole set, else its balanced subset. */
export function balancedSubset(set: LabelledImageSet, size?: number): LabelledImageSet {
  if (size === undefined || size === set.count) return set;
  return selectRows(set, balancedSubsetRows(set.labels, size));
}
