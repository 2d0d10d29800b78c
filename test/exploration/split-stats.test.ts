import { beforeAll, describe, expect, it } from 'vitest';
import { type LabelledImageSet, selectRows } from '../../src/data/index.js';
import { splitStats } from '../../src/exploration/split-stats.js';
import { firstRealImages } from '../support/dataset-files.js';

let train: LabelledImageSet;
let test: LabelledImageSet;

beforeAll(async () => {
  ({ train, test } = await firstRealImages(300, 100));
});

/** Images of `label`, counted with a plain loop. */
const countOf = (set: LabelledImageSet, label: number) => {
  let n = 0;
  for (const value of set.labels) if (value === label) n++;
  return n;
};

describe('splitStats', () => {
  it('counts every label of every split, with fractions of the split', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'];
    // The first 40 images only: some labels are rare in them, none has label 10.
    const small = selectRows(
      test,
      Array.from({ length: 40 }, (_, i) => i),
    );
    const stats = splitStats({ train, val: test, test: small, classNames: names });
    expect(stats.classNames).toEqual(names);
    for (const [name, set] of [
      ['train', train],
      ['val', test],
      ['test', small],
    ] as const) {
      const split = stats.splits[name];
      expect(split.count).toBe(set.count);
      expect(split.perClass.map((c) => c.label)).toEqual([...names.keys()]);
      expect(split.perClass.map((c) => c.className)).toEqual(names);
      expect(split.perClass.reduce((sum, c) => sum + c.count, 0)).toBe(set.count);
      for (const entry of split.perClass) {
        expect(entry.count).toBe(countOf(set, entry.label));
        expect(entry.fraction).toBeCloseTo(entry.count / set.count, 12);
      }
      expect(split.perClass[10]).toMatchObject({ count: 0, fraction: 0 });
    }
  });

  it('gives an empty split fractions of 0', () => {
    const empty = selectRows(test, []);
    const stats = splitStats({ train, val: test, test: empty, classNames: ['x', 'y'] });
    expect(stats.splits.test.count).toBe(0);
    expect(stats.splits.test.perClass.every((c) => c.count === 0 && c.fraction === 0)).toBe(true);
  });
});
