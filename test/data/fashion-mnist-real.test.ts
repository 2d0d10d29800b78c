import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { balancedSplit } from '../../src/data/balanced-split.js';
import { type FashionMnist, loadFashionMnist } from '../../src/data/fashion-mnist.js';
import { SYSTEM_FASHION_MNIST_DIRS } from '../../src/data/fashion-mnist-files.js';
import { countPerClass } from '../../src/data/labelled-set.js';
import { seedSplit } from '../../src/data/seed-split.js';
import { SETUP_REQUIRED } from '../support/required.js';
import numpy from './fixtures/numpy-legacy-random.json' with { type: 'json' };
import { useTempDirs } from './support/temp-dir.js';

const systemDir = SYSTEM_FASHION_MNIST_DIRS[0] as string;
const makeTempDir = useTempDirs();

// Needs Debian's dataset-fashion-mnist package.
describe.skipIf(!existsSync(systemDir) && !SETUP_REQUIRED)('real Fashion-MNIST', () => {
  let data: FashionMnist;

  beforeAll(async () => {
    data = await loadFashionMnist({ dataDir: await makeTempDir(), download: false });
  });

  it('is found in the system directory when the data directory is empty', () => {
    expect(data.location).toMatchObject({ dir: systemDir, source: 'system' });
  });

  it('has 60,000 + 10,000 images of 28x28, 6,000 and 1,000 per class', () => {
    expect(data.train).toMatchObject({ count: 60_000, height: 28, width: 28 });
    expect(data.test).toMatchObject({ count: 10_000, height: 28, width: 28 });
    expect(data.train.images.length).toBe(60_000 * 28 * 28);
    expect(countPerClass(data.train.labels)).toEqual(Array(10).fill(6000));
    expect(countPerClass(data.test.labels)).toEqual(Array(10).fill(1000));
  });

  it('draws the same 10,000 test rows as the numpy notebook', () => {
    const expected = numpy.fashionMnistTrain;
    const { testIndices, test } = balancedSplit(data.train, { perClass: 1000, seed: 27 });
    const digest = createHash('md5').update(new Uint8Array(Uint32Array.from(testIndices).buffer));

    expect(testIndices.slice(0, expected.testIndicesHead.length)).toEqual(expected.testIndicesHead);
    expect(testIndices.reduce((sum, row) => sum + row, 0)).toBe(expected.testIndicesSum);
    expect(digest.digest('hex')).toBe(expected.testIndicesMd5);
    expect(Array.from({ length: 10 }, (_, c) => test.labels[c * 1000])).toEqual(
      expected.classOrder,
    );
  });

  it('splits 50,000 / 10,000 / 10,000 with a balanced, disjoint test set', () => {
    const { trainIndices, testIndices } = balancedSplit(data.train);
    const split = seedSplit(data.train, data.test);

    expect([split.train.count, split.val.count, split.test.count]).toEqual([
      50_000, 10_000, 10_000,
    ]);
    expect(countPerClass(split.test.labels)).toEqual(Array(10).fill(1000));
    expect(countPerClass(split.train.labels)).toEqual(Array(10).fill(5000));
    const inTrain = new Set(trainIndices);
    expect(testIndices.some((row) => inTrain.has(row))).toBe(false);
    expect(new Set(testIndices).size).toBe(10_000);
    expect(inTrain.size + testIndices.length).toBe(60_000);
    expect(
      Buffer.from(split.test.images).equals(Buffer.from(balancedSplit(data.train).test.images)),
    ).toBe(true);
  });

  it('gives class-balanced quick-run subsets', () => {
    const split = seedSplit(data.train, data.test, {
      trainSize: 1000,
      valSize: 500,
      testSize: 250,
    });
    expect(countPerClass(split.train.labels)).toEqual(Array(10).fill(100));
    expect(countPerClass(split.val.labels)).toEqual(Array(10).fill(50));
    expect(countPerClass(split.test.labels)).toEqual(Array(10).fill(25));
  });
});
