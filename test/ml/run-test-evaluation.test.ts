import { describe, expect, it } from 'vitest';
import { runTraining } from '../../src/training/run.js';
import { SMALL_SPEC, smallFashionMnist } from '../support/small-data.js';

describe("a training run's test evaluation", () => {
  it('carries the calibration error and misclassified images, through data-parallel replicas', async () => {
    const result = await runTraining({
      source: { kind: 'fashion-mnist', dataDir: 'data', download: false },
      spec: SMALL_SPEC,
      epochs: 1,
      batchSize: 50,
      optimizer: 'adam',
      seed: 5,
      backend: 'wasm',
      workers: 2,
      trainSize: 600,
      valSize: 300,
      testSize: 300,
    });
    expect(result.status).toBe('completed');
    expect(result.replicas).toBe(2);
    const test = result.test;
    if (!test) throw new Error('the run has no test evaluation');
    expect(test.count).toBe(300);
    expect(test.calibrationError).toBeGreaterThanOrEqual(0);
    expect(test.calibrationError).toBeLessThanOrEqual(1);

    // The run's test split is smallFashionMnist()'s: the images shown must be its rows.
    const { test: set } = await smallFashionMnist();
    const wrong = 300 - test.confusion.reduce((s, row, c) => s + (row[c] as number), 0);
    expect(test.misclassified).toHaveLength(Math.min(24, wrong));
    for (const s of test.misclassified) {
      expect(s.label).toBe(set.labels[s.index]);
      expect(s.predicted).not.toBe(s.label);
      expect(s.confidence).toBeGreaterThan(0);
      expect(s.confidence).toBeLessThanOrEqual(1);
      const image = Buffer.from(set.images.subarray(s.index * 784, (s.index + 1) * 784));
      expect(Buffer.from(s.pixels, 'base64').equals(image)).toBe(true);
    }
  }, 120_000);
});
