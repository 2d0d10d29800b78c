import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPredictorPool, type PredictorPool } from '../../src/inference/predictor-pool.js';
import { MAX_EXPLAINED_INSTANCES } from '../../src/inference/saliency.js';
import { selectBackend } from '../../src/ml/backend.js';
import { type ArtifactStore, createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { registerModel } from '../support/registered-model.js';
import { SMALL_SPEC } from '../support/small-data.js';
import { imageAt, loadTestImages, sampleIndices, toUnit } from './support/fashion-images.js';

const { redis, prefix } = useRedisPrefix('predictor-saliency');
const registry = createModelRegistry({ redis, prefix });
let dir: string;
let store: ArtifactStore;
let model: LayersModel;
let pool: PredictorPool;
let inputs: Float32Array[];

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'tailor-saliency-'));
  store = createFileArtifactStore(join(dir, 'store'));
  model = await registerModel({ registry, store }, SMALL_SPEC, 'model-s', 1);
  const set = await loadTestImages();
  inputs = sampleIndices(set, MAX_EXPLAINED_INSTANCES).map((i) => toUnit(imageAt(set, i)));
  pool = createPredictorPool({ registry, store, workers: 2, maxDelayMs: 20 });
});

afterAll(async () => {
  await pool?.close();
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/**
 * The saliency the worker must reproduce, computed here with the model in this thread:
 * |d p[label] / d x| per input, by tf.grad, scaled to a maximum of 1.
 */
function reference(x: Float32Array, label: number): number[] {
  return tf.tidy(() => {
    const input = tf.tensor4d(x, [1, 28, 28, 1]);
    const probability = (t: tf.Tensor) =>
      tf.squeeze(tf.slice(model.apply(t, { training: false }) as tf.Tensor, [0, label], [1, 1]));
    const gradient = Array.from(tf.grad(probability)(input).dataSync(), Math.abs);
    const max = Math.max(...gradient);
    return gradient.map((g) => g / max);
  });
}

const maxDiff = (a: number[], b: number[]) =>
  Math.max(...a.map((value, i) => Math.abs(value - (b[i] as number))));

describe('createPredictorPool with explain', () => {
  it("adds each input's gradient map, as tf.grad gives it in process", async () => {
    const plain = await pool.predict('model-s', inputs);
    const explained = await pool.predict('model-s', inputs, { explain: true });
    expect(plain.predictions.every((p) => p.saliency === undefined)).toBe(true);
    explained.predictions.forEach((prediction, i) => {
      const without = plain.predictions[i];
      expect(prediction.label).toBe(without?.label);
      expect(prediction.probabilities).toEqual(without?.probabilities);
      const values = prediction.saliency?.values ?? [];
      expect(values).toHaveLength(784);
      // Rounded to 4 decimals by the pool.
      expect(maxDiff(values, reference(inputs[i] as Float32Array, prediction.label))).toBeLessThan(
        1e-4,
      );
    });
  });

  it('draws the map as a 112x112 PNG of the values', async () => {
    const [prediction] = (await pool.predict('model-s', inputs.slice(0, 1), { explain: true }))
      .predictions;
    const png = PNG.sync.read(Buffer.from(prediction?.saliency?.png ?? '', 'base64'));
    expect([png.width, png.height]).toEqual([112, 112]);
    const values = prediction?.saliency?.values ?? [];
    const hottest = values.indexOf(1);
    const at = ((Math.floor(hottest / 28) * 4 + 1) * 112 + (hottest % 28) * 4 + 2) * 4;
    expect([...png.data.subarray(at, at + 4)]).toEqual([255, 255, 255, 255]);
  });

  it('keeps explained and plain requests apart when they arrive together', async () => {
    const results = await Promise.all(
      inputs.slice(0, 8).map((x, i) => pool.predict('model-s', [x], { explain: i % 2 === 0 })),
    );
    results.forEach((result, i) => {
      const saliency = result.predictions[0]?.saliency;
      if (i % 2 === 0) expect(saliency?.values).toHaveLength(784);
      else expect(saliency).toBeUndefined();
    });
  });

  it(`refuses to explain more than ${MAX_EXPLAINED_INSTANCES} inputs at once`, async () => {
    const many = [...inputs, inputs[0] as Float32Array];
    await expect(pool.predict('model-s', many, { explain: true })).rejects.toMatchObject({
      code: 'EXPLAIN_LIMIT',
      message: expect.stringMatching(
        /^explain: 17 images would be explained; at most 16 per request/,
      ),
    });
    expect((await pool.predict('model-s', many)).predictions).toHaveLength(17);
  });
});
