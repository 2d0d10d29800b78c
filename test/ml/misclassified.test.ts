import { describe, expect, it } from 'vitest';
import type { LabelledImageSet } from '../../src/data/types.js';
import { misclassifiedSamples } from '../../src/ml/misclassified.js';

/** 2x2 images whose four pixels all equal the row number, so each image is recognisable. */
function tinySet(labels: number[]): LabelledImageSet {
  const images = new Uint8Array(labels.length * 4);
  labels.forEach((_, row) => {
    images.fill(row, row * 4, row * 4 + 4);
  });
  return { images, labels: Uint8Array.from(labels), count: labels.length, height: 2, width: 2 };
}

describe('misclassifiedSamples', () => {
  it('gives the wrong rows with label, prediction, confidence and the image bytes', () => {
    const set = tinySet([0, 1, 2, 1]);
    const samples = misclassifiedSamples(set, [0, 2, 2, 0], [0.9, 0.6, 0.8, 0.75]);
    expect(samples).toEqual([
      { index: 1, label: 1, predicted: 2, confidence: 0.6, pixels: 'AQEBAQ==' },
      { index: 3, label: 1, predicted: 0, confidence: 0.75, pixels: 'AwMDAw==' },
    ]);
    expect([...Buffer.from(samples[1]?.pixels as string, 'base64')]).toEqual([3, 3, 3, 3]);
  });

  it('spreads the list over true classes round-robin, then orders it by row', () => {
    // Class 0 is wrong on rows 0-5, class 1 on rows 6 and 7, class 2 on row 8.
    const labels = [0, 0, 0, 0, 0, 0, 1, 1, 2];
    const predicted = [1, 1, 1, 1, 1, 1, 0, 0, 0];
    const confidences = labels.map(() => 0.5);
    const four = misclassifiedSamples(tinySet(labels), predicted, confidences, 4);
    // Round 1: rows 0 (class 0), 6 (class 1), 8 (class 2); round 2: row 1 (class 0).
    expect(four.map((s) => s.index)).toEqual([0, 1, 6, 8]);
    const seven = misclassifiedSamples(tinySet(labels), predicted, confidences, 7);
    // Round 2 adds rows 1 and 7; rounds 3 and 4 take class 0's rows 2 and 3.
    expect(seven.map((s) => s.index)).toEqual([0, 1, 2, 3, 6, 7, 8]);
  });

  it('returns every mistake when there are fewer than the limit, none when all are right', () => {
    const set = tinySet([0, 1, 2]);
    expect(misclassifiedSamples(set, [0, 1, 2], [1, 1, 1])).toEqual([]);
    expect(misclassifiedSamples(set, [1, 1, 1], [1, 1, 1]).map((s) => s.index)).toEqual([0, 2]);
  });

  it('stops at 24 by default', () => {
    const labels = Array.from({ length: 100 }, (_, i) => i % 10);
    const predicted = labels.map((l) => (l + 1) % 10);
    const samples = misclassifiedSamples(tinySet(labels), predicted, new Float32Array(100));
    expect(samples).toHaveLength(24);
    // 2 of each class, then 4 more from classes 0-3: the first 24 rows here.
    expect(samples.map((s) => s.index)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it('rejects outputs whose length differs from the set', () => {
    expect(() => misclassifiedSamples(tinySet([0, 1]), [0], [0.5, 0.5])).toThrow(/2 images/);
  });
});
