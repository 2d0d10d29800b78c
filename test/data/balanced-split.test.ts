import { describe, expect, it } from 'vitest';
import { balancedSplit } from '../../src/data/balanced-split.js';
import { balancedSubset, balancedSubsetRows } from '../../src/data/balanced-subset.js';
import { DataSplitError } from '../../src/data/errors.js';
import { countPerClass } from '../../src/data/labelled-set.js';
import { seedSplit } from '../../src/data/seed-split.js';
import type { LabelledImageSet } from '../../src/data/types.js';

/** 2x2 images whose first pixel is the row index mod 256, so copies can be traced to rows. */
function syntheticSet(labels: number[]): LabelledImageSet {
  const images = new Uint8Array(labels.length * 4);
  for (let row = 0; row < labels.length; row++) images.fill(row % 256, row * 4, row * 4 + 4);
  return { images, labels: Uint8Array.from(labels), count: labels.length, height: 2, width: 2 };
}

/** 30 rows per class for classes 0..3, interleaved as 2,0,3,1,2,0,3,1,... */
const mixed = syntheticSet(Array.from({ length: 120 }, (_, i) => [2, 0, 3, 1][i % 4] as number));

describe('balancedSplit', () => {
  it('moves perClass rows of each class to test, class by class in order of first appearance', () => {
    const { train, test, trainIndices, testIndices } = balancedSplit(mixed, { perClass: 5 });

    expect(test.count).toBe(20);
    expect(train.count).toBe(100);
    expect(Array.from(test.labels)).toEqual([2, 0, 3, 1].flatMap((label) => Array(5).fill(label)));
    expect(countPerClass(train.labels)).toEqual([25, 25, 25, 25]);
    expect(trainIndices).toEqual([...trainIndices].sort((a, b) => a - b));
    expect(new Set([...trainIndices, ...testIndices]).size).toBe(120);
    // Each copied image carries its source row in every pixel.
    expect(testIndices.map((_, i) => test.images[i * 4])).toEqual(testIndices);
    expect(trainIndices.map((_, i) => train.images[i * 4 + 3])).toEqual(trainIndices);
  });

  it('is deterministic for a seed and changes with it', () => {
    const once = balancedSplit(mixed, { perClass: 5 }).testIndices;
    expect(balancedSplit(mixed, { perClass: 5 }).testIndices).toEqual(once);
    expect(balancedSplit(mixed, { perClass: 5, seed: 28 }).testIndices).not.toEqual(once);
  });

  it('rejects a perClass larger than a class', () => {
    const small = syntheticSet([0, 0, 0, 1, 1, 2, 2, 2]);
    const error = (() => {
      try {
        balancedSplit(small, { perClass: 3 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DataSplitError);
    expect(error).toMatchObject({
      code: 'CLASS_TOO_SMALL',
      message: 'label 1 has only 2 rows, fewer than the 3 per class requested for the test split',
    });
  });

  it('rejects invalid options', () => {
    expect(() => balancedSplit(mixed, { perClass: -1 })).toThrow(
      /perClass must be a non-negative integer/,
    );
    expect(() => balancedSplit(mixed, { seed: 1.5 })).toThrow(/seed must be an integer/);
  });
});

describe('balancedSubsetRows', () => {
  it('deals quotas round-robin by ascending label, skipping exhausted classes', () => {
    // Available: label 0 x5, label 1 x1, label 2 x3. Seven rows: rounds give 0,1,2 / 0,2 / 0,2.
    const labels = Uint8Array.from([2, 0, 0, 1, 2, 0, 2, 0, 0]);
    const rows = balancedSubsetRows(labels, 7);
    expect(countPerClass(rows.map((row) => labels[row] as number))).toEqual([3, 1, 3]);
    expect(rows).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('takes the first rows of each class in set order, and nests as the size grows', () => {
    const rows4 = balancedSubsetRows(mixed.labels, 4);
    expect(rows4).toEqual([0, 1, 2, 3]);
    const rows10 = balancedSubsetRows(mixed.labels, 10);
    expect(countPerClass(rows10.map((row) => mixed.labels[row] as number))).toEqual([3, 3, 2, 2]);
    for (const size of [0, 1, 7, 33, 119]) {
      const smaller = balancedSubsetRows(mixed.labels, size);
      const larger = new Set(balancedSubsetRows(mixed.labels, size + 1));
      expect(smaller.every((row) => larger.has(row))).toBe(true);
    }
  });

  it('rejects sizes beyond the set', () => {
    expect(() => balancedSubsetRows(mixed.labels, 121)).toThrow(
      'cannot take a subset of 121 rows from 120',
    );
    expect(() => balancedSubset(mixed, 121)).toThrow(DataSplitError);
  });

  it('returns the set itself for no size or the full size', () => {
    expect(balancedSubset(mixed)).toBe(mixed);
    expect(balancedSubset(mixed, 120)).toBe(mixed);
  });
});

describe('seedSplit', () => {
  const val = syntheticSet(Array.from({ length: 40 }, (_, i) => i % 4));

  it('returns train/test from the training set and the official test set as val', () => {
    const split = seedSplit(mixed, val, { perClass: 5 });
    expect([split.train.count, split.val.count, split.test.count]).toEqual([100, 40, 20]);
    expect(split.val).toBe(val);
  });

  it('shrinks each set to a class-balanced subset on request', () => {
    const split = seedSplit(mixed, val, { perClass: 5, trainSize: 12, valSize: 8, testSize: 4 });
    expect(countPerClass(split.train.labels)).toEqual([3, 3, 3, 3]);
    expect(countPerClass(split.val.labels)).toEqual([2, 2, 2, 2]);
    expect(countPerClass(split.test.labels)).toEqual([1, 1, 1, 1]);
    const full = seedSplit(mixed, val, { perClass: 5 });
    // The test subset keeps the first draws of each class.
    expect(Array.from(split.test.images.filter((_, i) => i % 4 === 0))).toEqual(
      [0, 5, 10, 15].map((i) => full.test.images[i * 4]),
    );
  });
});
