import { describe, expect, it } from 'vitest';
import { expectedCalibrationError } from '../../src/ml/calibration.js';
import { mulberry32 } from '../../src/ml/random.js';

/** Right (label = prediction = 0) or wrong (label 1, prediction 0) examples at one confidence. */
function examples(confidence: number, right: number, wrong: number) {
  const n = right + wrong;
  return {
    labels: Array.from({ length: n }, (_, i) => (i < right ? 0 : 1)),
    predicted: new Array<number>(n).fill(0),
    confidences: new Array<number>(n).fill(confidence),
  };
}

function concat(...parts: ReturnType<typeof examples>[]) {
  return {
    labels: parts.flatMap((p) => p.labels),
    predicted: parts.flatMap((p) => p.predicted),
    confidences: parts.flatMap((p) => p.confidences),
  };
}

const ece = (e: ReturnType<typeof examples>) =>
  expectedCalibrationError(e.labels, e.predicted, e.confidences);

/**
 * ECE written from the definition, bins as explicit intervals: bin m (1-based) holds
 * confidences in ((m-1)/M, m/M], the first one also 0.
 */
function reference(labels: number[], predicted: number[], confidences: number[], M = 15): number {
  let total = 0;
  for (let m = 1; m <= M; m++) {
    const lo = (m - 1) / M;
    const hi = m / M;
    const members = confidences
      .map((c, i) => ({ c, right: labels[i] === predicted[i] }))
      .filter(({ c }) => (c > lo || (m === 1 && c === 0)) && c <= hi);
    if (members.length === 0) continue;
    const acc = members.filter((x) => x.right).length / members.length;
    const conf = members.reduce((s, x) => s + x.c, 0) / members.length;
    total += (members.length / labels.length) * Math.abs(acc - conf);
  }
  return total;
}

describe('expectedCalibrationError: hand-made cases', () => {
  it('is 0 when every bin is right exactly as often as it is confident', () => {
    // 0.8 confident, 8 of 10 right; 0.5 confident, 2 of 4 right; 1.0 confident, all right.
    expect(ece(concat(examples(0.8, 8, 2), examples(0.5, 2, 2), examples(1, 3, 0)))).toBeCloseTo(
      0,
      12,
    );
  });

  it('is 0.5 when the model is always certain and half wrong', () => {
    expect(ece(examples(1, 5, 5))).toBeCloseTo(0.5, 12);
  });

  it('is 1 when certain and always wrong, and 1 when unsure (0) and always right', () => {
    expect(ece(examples(1, 0, 4))).toBeCloseTo(1, 12);
    expect(ece(examples(0, 4, 0))).toBeCloseTo(1, 12);
  });

  it('weights each bin by its share of the examples', () => {
    // 0.9 confident, 2 of 4 right: gap 0.4, weight 4/10 -> 0.16
    // 0.3 confident, 3 of 6 right: gap 0.2, weight 6/10 -> 0.12
    expect(ece(concat(examples(0.9, 2, 2), examples(0.3, 3, 3)))).toBeCloseTo(0.28, 12);
  });

  it('compares a bin’s mean confidence with its accuracy, not example by example', () => {
    // 0.61 right and 0.65 wrong share the bin (0.6, 0.6667]: accuracy 0.5, mean
    // confidence 0.63 -> 0.13 (per example it would be (0.39 + 0.65) / 2 = 0.52).
    const e = concat(examples(0.61, 1, 0), examples(0.65, 0, 1));
    expect(ece(e)).toBeCloseTo(0.13, 12);
  });

  it('counts a prediction right only when it equals the label', () => {
    // Labels 2 and 3 predicted 2 and 1 at 0.75: accuracy 0.5 -> 0.25.
    expect(expectedCalibrationError([2, 3], [2, 1], [0.75, 0.75])).toBeCloseTo(0.25, 12);
  });

  it('rejects empty sets, unequal lengths and values that are not probabilities', () => {
    expect(() => expectedCalibrationError([], [], [])).toThrow(/empty set/);
    expect(() => expectedCalibrationError([0], [0, 1], [0.5])).toThrow(/differ in length/);
    expect(() => expectedCalibrationError([0], [0], [1.5])).toThrow(/not a probability/);
    expect(() => expectedCalibrationError([0], [0], [Number.NaN])).toThrow(/not a probability/);
  });
});

describe('expectedCalibrationError on random data', () => {
  it('agrees with the definition computed over explicit bin intervals', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(rand() * 500);
      const labels = Array.from({ length: n }, () => Math.floor(rand() * 10));
      const predicted = labels.map((l) => (rand() < 0.7 ? l : Math.floor(rand() * 10)));
      const confidences = labels.map(() => 0.1 + 0.9 * rand());
      expect(expectedCalibrationError(labels, predicted, confidences)).toBeCloseTo(
        reference(labels, predicted, confidences),
        12,
      );
    }
  });
});
