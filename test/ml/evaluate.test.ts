import { describe, expect, it } from 'vitest';
import {
  argmaxRows,
  type ClassMetrics,
  classificationMetrics,
  confusionMatrix,
} from '../../src/ml/evaluate.js';
import { mulberry32 } from '../../src/ml/random.js';

function randomInts(rand: () => number, n: number, max: number): number[] {
  return Array.from({ length: n }, () => Math.floor(rand() * max));
}

function expectMetrics(got: ClassMetrics[], want: ClassMetrics[]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((m, c) => {
    const w = want[c] as ClassMetrics;
    expect(m.label).toBe(w.label);
    expect(m.className).toBe(w.className);
    expect(m.support).toBe(w.support);
    expect(m.precision).toBeCloseTo(w.precision, 12);
    expect(m.recall).toBeCloseTo(w.recall, 12);
    expect(m.f1).toBeCloseTo(w.f1, 12);
  });
}

describe('confusionMatrix and evaluate: hand-computed cases', () => {
  it('three classes, every class both present and predicted', () => {
    const labels = [0, 0, 0, 0, 1, 1, 2, 2];
    const predicted = [0, 0, 0, 1, 1, 1, 2, 1];
    // Rows are true classes, columns predictions:
    //   true 0 -> predicted 0,0,0,1 ; true 1 -> 1,1 ; true 2 -> 2,1
    const expected = [
      [3, 1, 0],
      [0, 2, 0],
      [0, 1, 1],
    ];
    expect(confusionMatrix(labels, predicted, 3)).toEqual(expected);

    const e = classificationMetrics(labels, predicted, 3, ['a', 'b', 'c']);
    expect(e.confusion).toEqual(expected);
    expect(e.count).toBe(8);
    // diagonal 3 + 2 + 1 = 6 of 8
    expect(e.accuracy).toBe(0.75);

    // class 0: TP 3, column sum 3, row sum 4 -> P = 3/3 = 1, R = 3/4,
    //          F1 = 2 * 1 * 3/4 / (1 + 3/4) = 1.5 / 1.75 = 6/7
    // class 1: TP 2, column sum 1 + 2 + 1 = 4, row sum 2 -> P = 1/2, R = 1,
    //          F1 = 2 * 1/2 * 1 / (3/2) = 2/3
    // class 2: TP 1, column sum 1, row sum 2 -> P = 1, R = 1/2, F1 = 2/3
    const want = [
      { label: 0, className: 'a', precision: 1, recall: 3 / 4, f1: 6 / 7, support: 4 },
      { label: 1, className: 'b', precision: 1 / 2, recall: 1, f1: 2 / 3, support: 2 },
      { label: 2, className: 'c', precision: 1, recall: 1 / 2, f1: 2 / 3, support: 2 },
    ];
    expectMetrics(e.perClass, want);

    // macro P = (1 + 1/2 + 1) / 3 = 5/6
    // macro R = (3/4 + 1 + 1/2) / 3 = 3/4
    // macro F1 = (6/7 + 2/3 + 2/3) / 3 = (18 + 14 + 14) / 21 / 3 = 46/63
    expect(e.macro.precision).toBeCloseTo(5 / 6, 12);
    expect(e.macro.recall).toBeCloseTo(3 / 4, 12);
    expect(e.macro.f1).toBeCloseTo(46 / 63, 12);
  });

  it('defines 0/0 as 0: a class never predicted, and a class absent altogether', () => {
    const labels = [0, 1, 1, 2];
    const predicted = [0, 0, 0, 2];
    // true 0 -> 0 ; true 1 -> 0,0 ; true 2 -> 2 ; class 3 appears nowhere
    const expected = [
      [1, 0, 0, 0],
      [2, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 0],
    ];
    const e = classificationMetrics(labels, predicted, 4);
    expect(e.confusion).toEqual(expected);
    // diagonal 1 + 0 + 1 + 0 = 2 of 4
    expect(e.accuracy).toBe(0.5);

    // class 0: TP 1, column sum 3, row sum 1 -> P = 1/3, R = 1,
    //          F1 = 2 * 1/3 * 1 / (4/3) = 1/2
    // class 1: TP 0, column sum 0 -> P = 0/0 := 0; R = 0/2 = 0; F1 = 0/0 := 0
    // class 2: TP 1, column sum 1, row sum 1 -> P = R = F1 = 1
    // class 3: TP 0, column sum 0, row sum 0 -> P = R = F1 = 0/0 := 0
    expectMetrics(e.perClass, [
      { label: 0, precision: 1 / 3, recall: 1, f1: 1 / 2, support: 1 },
      { label: 1, precision: 0, recall: 0, f1: 0, support: 2 },
      { label: 2, precision: 1, recall: 1, f1: 1, support: 1 },
      { label: 3, precision: 0, recall: 0, f1: 0, support: 0 },
    ]);
    for (const m of e.perClass) expect(m).not.toHaveProperty('className');

    // macro P = (1/3 + 0 + 1 + 0) / 4 = 1/3 ; macro R = (1 + 0 + 1 + 0) / 4 = 1/2
    // macro F1 = (1/2 + 0 + 1 + 0) / 4 = 3/8
    expect(e.macro.precision).toBeCloseTo(1 / 3, 12);
    expect(e.macro.recall).toBe(0.5);
    expect(e.macro.f1).toBe(0.375);
  });

  it('accepts typed arrays (labels as read from IDX files)', () => {
    const e = classificationMetrics(Uint8Array.from([1, 0, 1]), Int32Array.from([1, 1, 1]), 2);
    // true 0 -> 1 ; true 1 -> 1,1
    expect(e.confusion).toEqual([
      [0, 1],
      [0, 2],
    ]);
    expect(e.accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('gives an all-zero matrix for an empty set', () => {
    expect(confusionMatrix([], [], 2)).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });
});

describe('evaluate on random data', () => {
  const rand = mulberry32(20240527);
  const cases = Array.from({ length: 50 }, () => {
    const numClasses = 1 + Math.floor(rand() * 12);
    const n = 1 + Math.floor(rand() * 400);
    const labels = randomInts(rand, n, numClasses);
    // Mostly-correct predictions, like a real classifier, so the diagonal is non-trivial.
    const predicted = labels.map((l) => (rand() < 0.6 ? l : Math.floor(rand() * numClasses)));
    return { numClasses, labels, predicted };
  });

  it('satisfies the confusion-matrix invariants', () => {
    for (const { numClasses, labels, predicted } of cases) {
      const e = classificationMetrics(labels, predicted, numClasses);
      const total = e.confusion.flat().reduce((s, v) => s + v, 0);
      expect(total).toBe(labels.length);
      expect(e.count).toBe(labels.length);
      const diagonal = e.confusion.reduce((s, row, c) => s + (row[c] ?? 0), 0);
      expect(e.accuracy).toBe(diagonal / e.count);
      e.confusion.forEach((row, c) => {
        expect(row).toHaveLength(numClasses);
        expect(row.reduce((s, v) => s + v, 0)).toBe(e.perClass[c]?.support);
      });
      for (const m of e.perClass) {
        for (const v of [m.precision, m.recall, m.f1]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('agrees with TP/FP/FN counted directly from the pairs', () => {
    // No scikit-learn on this machine; this recomputes every metric without the
    // confusion matrix, straight from the (label, prediction) pairs.
    for (const { numClasses, labels, predicted } of cases) {
      const e = classificationMetrics(labels, predicted, numClasses);
      let correct = 0;
      const precisions: number[] = [];
      const recalls: number[] = [];
      const f1s: number[] = [];
      for (let c = 0; c < numClasses; c++) {
        let tp = 0;
        let fp = 0;
        let fn = 0;
        labels.forEach((l, i) => {
          const p = predicted[i];
          if (l === c && p === c) tp++;
          else if (p === c) fp++;
          else if (l === c) fn++;
        });
        correct += tp;
        const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
        const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
        // F1 = 2TP / (2TP + FP + FN): algebraically the harmonic mean of P and R.
        const f1 = 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
        precisions.push(precision);
        recalls.push(recall);
        f1s.push(f1);
        const m = e.perClass[c];
        expect(m?.support).toBe(tp + fn);
        expect(m?.precision).toBeCloseTo(precision, 12);
        expect(m?.recall).toBeCloseTo(recall, 12);
        expect(m?.f1).toBeCloseTo(f1, 12);
      }
      const avg = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
      expect(e.accuracy).toBeCloseTo(correct / labels.length, 12);
      expect(e.macro.precision).toBeCloseTo(avg(precisions), 12);
      expect(e.macro.recall).toBeCloseTo(avg(recalls), 12);
      expect(e.macro.f1).toBeCloseTo(avg(f1s), 12);
    }
  });

  it('agrees with argmaxRows on random probability rows', () => {
    const numClasses = 10;
    const n = 64;
    const probs = Float32Array.from({ length: n * numClasses }, () => rand());
    const predicted = argmaxRows(probs, numClasses);
    expect(predicted).toHaveLength(n);
    for (let r = 0; r < n; r++) {
      const row = Array.from(probs.subarray(r * numClasses, (r + 1) * numClasses));
      expect(predicted[r]).toBe(row.indexOf(Math.max(...row)));
    }
  });
});

describe('argmaxRows', () => {
  it('picks the largest score per row, first index on ties', () => {
    const probs = Float32Array.from(
      [
        [0.1, 0.7, 0.2],
        [0.5, 0.5, 0.0],
        [0.0, 0.0, 1.0],
        [-3, -1, -2], // logits work too
      ].flat(),
    );
    expect(Array.from(argmaxRows(probs, 3))).toEqual([1, 0, 2, 1]);
  });

  it('returns an empty array for an empty batch', () => {
    expect(argmaxRows(new Float32Array(0), 10)).toHaveLength(0);
  });

  it('rejects a length that is not a multiple of numClasses', () => {
    expect(() => argmaxRows(new Float32Array(7), 3)).toThrow(/not a multiple of numClasses/);
  });

  it('rejects NaN scores', () => {
    expect(() => argmaxRows(Float32Array.from([0.2, 0.8, Number.NaN, 0.1]), 2)).toThrow(
      /row 1 has NaN at class 0/,
    );
  });

  it('rejects a bad numClasses', () => {
    expect(() => argmaxRows(new Float32Array(4), 0)).toThrow(/positive integer/);
  });
});

describe('input validation', () => {
  it('rejects arrays of different lengths', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/differ in length: 2 vs 1/);
    expect(() => classificationMetrics([0], [0, 1], 2)).toThrow(/differ in length/);
  });

  it('rejects labels and predictions that are not class indices', () => {
    expect(() => classificationMetrics([0, 2], [0, 1], 2)).toThrow(
      /labels\[1\] = 2 is not a class index/,
    );
    expect(() => classificationMetrics([0, -1], [0, 1], 2)).toThrow(/labels\[1\] = -1/);
    expect(() => classificationMetrics([0, 1], [0.5, 1], 2)).toThrow(/predicted\[0\] = 0.5/);
    expect(() => classificationMetrics([0, 1], [0, Number.NaN], 2)).toThrow(/predicted\[1\] = NaN/);
  });

  it('rejects a bad numClasses', () => {
    expect(() => confusionMatrix([0], [0], 0)).toThrow(/positive integer/);
    expect(() => classificationMetrics([0], [0], 2.5)).toThrow(/positive integer/);
  });

  it('rejects classNames of the wrong length', () => {
    expect(() => classificationMetrics([0, 1], [0, 1], 2, ['only one'])).toThrow(
      /classNames has 1 entries/,
    );
  });

  it('rejects an empty set', () => {
    expect(() => classificationMetrics([], [], 3)).toThrow(/empty set/);
  });
});
