import { describe, expect, it } from 'vitest';
import { balancedSplit } from '../../src/data/balanced-split.js';
import { LegacyRandomState } from '../../src/data/legacy-random-state.js';
import { MT19937 } from '../../src/data/mt19937.js';
import numpy from './fixtures/numpy-legacy-random.json' with { type: 'json' };

// Expected values come from real numpy runs; see fixtures/README.md.
describe('numpy legacy RandomState parity (seed 27)', () => {
  it('MT19937 seeded by init_genrand gives numpy raw outputs', () => {
    const bits = new MT19937(numpy.seed);
    expect(numpy.rawUint32.map(() => bits.nextUint32())).toEqual(numpy.rawUint32);
  });

  it.each(Object.entries(numpy.permutations))('permutation(%s) equals numpy', (n, expected) => {
    expect(Array.from(new LegacyRandomState(numpy.seed).permutation(Number(n)))).toEqual(expected);
  });

  it.each(Object.entries(numpy.permutationHeads))(
    'permutation(%s) starts as in numpy',
    (n, head) => {
      const permutation = new LegacyRandomState(numpy.seed).permutation(Number(n));
      expect(Array.from(permutation.subarray(0, head.length))).toEqual(head);
    },
  );

  it('draws the rows the notebook loop draws on a synthetic label set', () => {
    const { labels, perClass, testIndices } = numpy.synthetic;
    const set = {
      images: new Uint8Array(labels.length),
      labels: Uint8Array.from(labels),
      count: labels.length,
      height: 1,
      width: 1,
    };
    expect(balancedSplit(set, { perClass, seed: numpy.seed }).testIndices).toEqual(testIndices);
  });

  it('choice without replacement takes a permutation prefix and rejects oversize draws', () => {
    const random = new LegacyRandomState(numpy.seed);
    expect(random.choiceWithoutReplacement([10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 3)).toEqual([
      14, 12, 19,
    ]);
    expect(() => random.choiceWithoutReplacement([1, 2], 3)).toThrow(RangeError);
  });

  it('validates seeds and interval bounds', () => {
    expect(() => new MT19937(-1)).toThrow(RangeError);
    expect(() => new MT19937(2 ** 32)).toThrow(RangeError);
    expect(new LegacyRandomState(1).randomInterval(0)).toBe(0);
    expect(() => new LegacyRandomState(1).randomInterval(2 ** 32)).toThrow(RangeError);
  });
});
