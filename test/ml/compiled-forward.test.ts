import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/ml/backend.js';
import { pixelBatch } from '../../src/ml/batch.js';
import { CompiledForward } from '../../src/ml/compiled/forward-graph.js';
import { loadGraphAddon } from '../../src/ml/compiled/graph-addon.js';
import { createModel } from '../../src/ml/model.js';
import { range } from '../../src/ml/replica.js';
import { DEFAULT_SPEC } from '../../src/ml/spec.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { RUN_NATIVE_TESTS } from '../support/native.js';
import { smallFashionMnist } from '../support/small-data.js';

describe.skipIf(!RUN_NATIVE_TESTS)('the compiled forward pass', () => {
  const addon = () => {
    const loaded = loadGraphAddon();
    if (loaded instanceof Error) throw loaded;
    return loaded;
  };

  const specs = {
    seed: DEFAULT_SPEC,
    // Other activations, strides, no padding, dropout (off when predicting).
    other: parseSpec({
      conv: [
        { channels: 6, pad: 0, stride: 2, pool: 1, activation: 'elu' },
        { channels: 8, filter: 2, pool: 2, activation: 'swish' },
      ],
      dense: [{ neurons: 16, activation: 'tanh', dropout: 0.5 }, {}],
    }),
  };

  for (const [label, spec] of Object.entries(specs)) {
    it(`predicts what tfjs predicts with the same model (${label} spec)`, async () => {
      await selectBackend('tensorflow');
      const { test } = await smallFashionMnist();
      const model = createModel(spec, { seed: 11 });
      // Moving statistics away from 0 and 1, so that inference-mode batch norm is checked.
      for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
        const [gamma, beta, mean, variance] = layer.getWeights() as tf.Tensor[];
        layer.setWeights([
          tf.add(gamma as tf.Tensor, 0.3),
          tf.add(beta as tf.Tensor, 0.1),
          tf.add(mean as tf.Tensor, 0.2),
          tf.mul(variance as tf.Tensor, 1.7),
        ]);
      }
      const rows = range(64);
      const pixels = pixelBatch(test, rows);
      const forward = CompiledForward.build(addon(), model);
      const compiled = forward.predict(pixels, rows.length);
      const x = tf.tensor4d(pixels, [rows.length, 28, 28, 1]);
      const y = model.predict(x) as tf.Tensor;
      const expected = y.dataSync() as Float32Array;
      expect(compiled.length).toBe(expected.length);
      let worst = 0;
      expected.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(v - (compiled[i] as number)));
      });
      expect(worst).toBeLessThan(1e-5);
      // A batch of one answers as its row of the batch did.
      const one = forward.predict(pixels.subarray(0, 784), 1);
      expect(Math.max(...one.map((v, i) => Math.abs(v - (expected[i] as number))))).toBeLessThan(
        1e-5,
      );
      forward.dispose();
      tf.dispose([x, y]);
      model.dispose();
    });
  }
});
