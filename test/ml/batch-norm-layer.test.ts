import * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/ml/backend.js';
import { createBatchNormalization, setBatchesSeen } from '../../src/ml/batch-norm-layer.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** A layer built for 2 channels, and a training call on a batch whose channel means are given. */
function layerAndTrainer(): [layers.Layer, (means: [number, number]) => void] {
  const layer = createBatchNormalization({ momentum: 0.99, epsilon: 1e-3 });
  layer.build([null, 2]);
  const train = ([a, b]: [number, number]) =>
    tf.tidy(() => {
      layer.apply(tf.tensor2d([a - 1, b - 2, a + 1, b + 2], [2, 2]), { training: true });
    });
  return [layer, train];
}

const movingMean = (layer: layers.Layer) => Array.from(layer.getWeights()[2]?.dataSync() ?? []);

describe.each(['wasm', 'cpu'] as const)('batch normalisation in training (%s)', (backend) => {
  beforeAll(() => selectBackend(backend));

  it('averages the first batches plainly, so a few batches give usable statistics', () => {
    const [layer, train] = layerAndTrainer();
    train([4, 10]);
    train([6, 20]);
    train([8, 30]);
    const [m0, m1] = movingMean(layer);
    expect(m0).toBeCloseTo(6, 5);
    expect(m1).toBeCloseTo(20, 5);
    // Variance of the samples (a ± 1, b ± 2) is 1 and 4 in every batch.
    const variance = Array.from(layer.getWeights()[3]?.dataSync() ?? []);
    expect(variance[0]).toBeCloseTo(1, 4);
    expect(variance[1]).toBeCloseTo(4, 4);
  });

  it("follows Keras' exponential average once 100 batches are in", () => {
    const [layer, train] = layerAndTrainer();
    train([5, 5]);
    setBatchesSeen({ layers: [layer] }, 100);
    train([105, 205]);
    const [m0, m1] = movingMean(layer);
    expect(m0).toBeCloseTo(5 + 0.01 * 100, 4);
    expect(m1).toBeCloseTo(5 + 0.01 * 200, 4);
  });
});
