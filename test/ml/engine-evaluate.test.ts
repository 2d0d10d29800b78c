import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASS_NAMES, type SeedSplit } from '../../src/data/index.js';
import { selectBackend } from '../../src/ml/backend.js';
import { imageBatch } from '../../src/ml/batch.js';
import { evaluate } from '../../src/ml/evaluate.js';
import { LocalEngine } from '../../src/ml/local-engine.js';
import type { EvalResult } from '../../src/ml/replica.js';
import { fitModel } from '../../src/ml/train.js';
import { SMALL_SPEC, smallFashionMnist } from '../support/small-data.js';

let data: SeedSplit;
let engine: LocalEngine;
let evaluated: EvalResult;
/** The model's probabilities for every test image, straight from model.predict. */
let probabilities: number[][];

beforeAll(async () => {
  await selectBackend('wasm');
  data = await smallFashionMnist();
  engine = new LocalEngine(data, { spec: SMALL_SPEC, optimizer: 'adam', seed: 11 }, 'wasm');
  // Two short epochs: far from chance, still making plenty of mistakes to look at.
  await fitModel(engine, data, { epochs: 2, batchSize: 50, seed: 11 });
  evaluated = await engine.evaluate('test');
  probabilities = tf.tidy(() => {
    const rows = Array.from({ length: data.test.count }, (_, i) => i);
    return (
      engine.model.predict(imageBatch(data.test, rows)) as tf.Tensor
    ).arraySync() as number[][];
  });
});

afterAll(() => engine?.dispose());

describe("an engine's test evaluation on real Fashion-MNIST", () => {
  it("returns each row's top class and its softmax probability", () => {
    expect(evaluated.predicted).toHaveLength(data.test.count);
    expect(evaluated.confidences).toHaveLength(data.test.count);
    probabilities.forEach((row, i) => {
      const top = Math.max(...row);
      expect(evaluated.predicted[i]).toBe(row.indexOf(top));
      expect(evaluated.confidences[i]).toBeCloseTo(top, 5);
    });
  });

  it('has a confusion matrix that sums to the set and whose diagonal gives the accuracy', () => {
    const e = evaluate(data.test, evaluated, CLASS_NAMES.length, CLASS_NAMES);
    const total = e.confusion.flat().reduce((s, v) => s + v, 0);
    const diagonal = e.confusion.reduce((s, row, c) => s + (row[c] as number), 0);
    expect(total).toBe(data.test.count);
    expect(e.count).toBe(data.test.count);
    expect(e.accuracy).toBe(diagonal / total);
    // ... and the accuracy counted from the labels and model.predict directly.
    const right = probabilities.filter(
      (row, i) => row.indexOf(Math.max(...row)) === data.test.labels[i],
    );
    expect(e.accuracy).toBeCloseTo(right.length / data.test.count, 12);
    expect(e.accuracy).toBeGreaterThan(0.4);
    expect(e.accuracy).toBeLessThan(1);
  });

  it('reports the calibration error of the same probabilities, computed from the definition', () => {
    const e = evaluate(data.test, evaluated, CLASS_NAMES.length, CLASS_NAMES);
    const bins = Array.from({ length: 15 }, () => ({ n: 0, right: 0, confidence: 0 }));
    probabilities.forEach((row, i) => {
      const top = Math.max(...row);
      const bin = bins[Math.min(14, Math.floor(top * 15 - 1e-12))] as (typeof bins)[number];
      bin.n++;
      bin.confidence += top;
      if (row.indexOf(top) === data.test.labels[i]) bin.right++;
    });
    const expected = bins.reduce(
      (s, b) =>
        b.n === 0 ? s : s + (b.n / data.test.count) * Math.abs(b.right / b.n - b.confidence / b.n),
      0,
    );
    expect(e.calibrationError).toBeCloseTo(expected, 4);
    expect(e.calibrationError).toBeGreaterThan(0);
    console.log(
      `small CNN, 2 epochs on 600 images: test accuracy ${e.accuracy.toFixed(4)}, ECE ${e.calibrationError.toFixed(4)} over ${e.count} images`,
    );
  });

  it('shows misclassified images exactly as the set holds them', () => {
    const e = evaluate(data.test, evaluated, CLASS_NAMES.length, CLASS_NAMES);
    const wrong = Math.round((1 - e.accuracy) * e.count);
    expect(e.misclassified).toHaveLength(Math.min(24, wrong));
    const classes = new Set(e.misclassified.map((s) => s.label));
    // Spread across classes: a single class cannot fill the list while others have mistakes.
    expect(classes.size).toBeGreaterThan(1);
    let previous = -1;
    for (const s of e.misclassified) {
      expect(s.index).toBeGreaterThan(previous);
      previous = s.index;
      expect(s.label).toBe(data.test.labels[s.index]);
      expect(s.predicted).not.toBe(s.label);
      expect(s.predicted).toBe(evaluated.predicted[s.index]);
      expect(s.confidence).toBe(evaluated.confidences[s.index]);
      const bytes = Buffer.from(s.pixels, 'base64');
      expect(bytes).toHaveLength(784);
      expect(
        bytes.equals(Buffer.from(data.test.images.subarray(s.index * 784, (s.index + 1) * 784))),
      ).toBe(true);
    }
  });
});
