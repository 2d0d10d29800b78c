import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIdxImages } from '../../src/data/idx.js';
import { CLASS_NAMES } from '../../src/data/index.js';
import { InputError } from '../../src/inference/errors.js';
import {
  createPredictorPool,
  PredictorClosedError,
  type PredictorPool,
} from '../../src/inference/predictor-pool.js';
import { selectBackend } from '../../src/ml/backend.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { type ArtifactStore, createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { AUTO_BACKEND } from '../support/native.js';
import { registerModel as registerSharedModel } from '../support/registered-model.js';

const TEST_IMAGES = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
const SPEC = parseSpec({ conv: [{ channels: 4, pool: 2 }], dense: [{ neurons: 16 }, {}] });

const { redis, prefix } = useRedisPrefix('predictor-pool');
const registry = createModelRegistry({ redis, prefix });
let dir: string;
let store: ArtifactStore;
let images: Float32Array[];
const models: Record<string, LayersModel> = {};
let pool: PredictorPool;

const registerModel = (id: string, seed: number) =>
  registerSharedModel({ registry, store }, SPEC, id, seed);

/** The model's own answer in this process: the reference the pool must reproduce. */
function reference(model: LayersModel, inputs: Float32Array[]): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor4d(concat(inputs), [inputs.length, 28, 28, 1]);
    return (model.predict(x) as tf.Tensor).arraySync() as number[][];
  });
}

function concat(inputs: Float32Array[]): Float32Array {
  const out = new Float32Array(inputs.length * 784);
  for (const [i, input] of inputs.entries()) out.set(input, i * 784);
  return out;
}

const argmax = (values: number[]) => values.indexOf(Math.max(...values));
const maxDiff = (a: number[], b: number[]) =>
  Math.max(...a.map((value, i) => Math.abs(value - (b[i] as number))));

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'tailor-predictor-'));
  store = createFileArtifactStore(join(dir, 'store'));
  models.a = await registerModel('model-a', 1);
  models.b = await registerModel('model-b', 2);
  const idx = await readIdxImages(TEST_IMAGES);
  images = Array.from({ length: 40 }, (_, i) =>
    Float32Array.from(idx.images.subarray(i * 784, (i + 1) * 784), (v) => v / 255),
  );
  pool = createPredictorPool({ registry, store, workers: 2, maxDelayMs: 20 });
});

afterAll(async () => {
  await pool?.close();
  for (const model of Object.values(models)) model.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('createPredictorPool', () => {
  it('classifies in a worker exactly as the model does in process', async () => {
    const inputs = images.slice(0, 32);
    const result = await pool.predict('model-a', inputs);
    const expected = reference(models.a as LayersModel, inputs);
    expect(result.model).toEqual({ id: 'model-a', version: 1 });
    expect(result.predictions).toHaveLength(32);
    result.predictions.forEach((prediction, i) => {
      const want = expected[i] as number[];
      expect(prediction.probabilities).toHaveLength(10);
      expect(maxDiff(prediction.probabilities, want)).toBeLessThan(1e-5);
      expect(prediction.label).toBe(argmax(want));
      expect(prediction.className).toBe(CLASS_NAMES[prediction.label]);
    });
  });

  it('resolves the default alias to the newest model, or to the one it is set to', async () => {
    expect((await pool.predict('default', images.slice(0, 1))).model).toEqual({
      id: 'model-b',
      version: 2,
    });
    await registry.setAlias('default', 'model-a');
    try {
      expect((await pool.predict('default', images.slice(0, 1))).model.id).toBe('model-a');
    } finally {
      await registry.deleteAlias('default');
    }
  });

  it('merges concurrent requests into shared forward passes with the same answers', async () => {
    const before = await pool.stats();
    const singles = await Promise.all(images.slice(0, 12).map((x) => pool.predict('model-b', [x])));
    const after = await pool.stats();
    const batches =
      after.reduce((n, s) => n + s.batches, 0) - before.reduce((n, s) => n + s.batches, 0);
    expect(batches).toBeLessThan(12);
    const expected = reference(models.b as LayersModel, images.slice(0, 12));
    singles.forEach((result, i) => {
      expect(result.predictions[0]?.label).toBe(argmax(expected[i] as number[]));
    });
  });

  it('keeps the event loop free while a large batch is classified', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => images[i % images.length] as Float32Array);
    await pool.predict('model-a', many.slice(0, 1));
    const lag = monitorEventLoopDelay({ resolution: 1 });
    lag.enable();
    const started = performance.now();
    const result = await pool.predict('model-a', many);
    const elapsed = performance.now() - started;
    lag.disable();
    expect(result.predictions).toHaveLength(2000);
    // In process, one forward pass would stall the loop for about the whole call.
    expect(lag.max / 1e6).toBeLessThan(Math.max(elapsed / 2, 100));
  });

  it('leaves no tensors behind in the workers but the loaded models', async () => {
    await Promise.all([pool.predict('model-a', images), pool.predict('model-b', images)]);
    const before = await pool.stats();
    for (let round = 0; round < 3; round++) {
      await Promise.all([pool.predict('model-a', images), pool.predict('model-b', images)]);
    }
    const after = await pool.stats();
    expect(after.map((s) => s.numTensors)).toEqual(before.map((s) => s.numTensors));
    // `auto`, the pool's default: native TensorFlow where it is installed, else wasm.
    expect(after.every((s) => s.backend === AUTO_BACKEND)).toBe(true);
    // On native TensorFlow each model's forward pass runs as one compiled graph.
    const compiled = AUTO_BACKEND === 'tensorflow' ? ['model-a', 'model-b'] : [];
    for (const s of after)
      expect(s.compiled.sort()).toEqual(compiled.filter((m) => s.models.includes(m)));
  });

  it('rejects unknown models with the registry error and wrong input sizes with InputError', async () => {
    await expect(pool.predict('no-such-model', images.slice(0, 1))).rejects.toMatchObject({
      name: 'StoreError',
      code: 'NOT_FOUND',
    });
    const short = new Float32Array(100);
    await expect(pool.predict('model-a', [short])).rejects.toThrow(InputError);
    await expect(pool.predict('model-a', [short])).rejects.toThrow(/inputs\[0\]: has 100 values/);
    await expect(pool.predict('model-a', [])).rejects.toThrow(/no inputs/);
  });

  it('refuses a model whose files do not match the registered hash', async () => {
    await registry.register({
      id: 'model-tampered',
      jobId: 'model-tampered',
      spec: SPEC,
      metrics: {},
      classNames: [...CLASS_NAMES],
      artifact: 'model-a',
      sha256: '0'.repeat(64),
      backend: 'wasm',
    });
    await expect(pool.predict('model-tampered', images.slice(0, 1))).rejects.toMatchObject({
      code: 'INTEGRITY',
    });
  });

  it('reports a model the worker cannot build, and forgets it', async () => {
    const stored = await store.putModel('model-broken', {
      artifacts: {
        topology: { class_name: 'NoSuchLayer', config: {} },
        weightSpecs: [],
        weightData: new ArrayBuffer(0),
      },
      meta: {},
    });
    await registry.register({
      id: 'model-broken',
      jobId: 'model-broken',
      spec: SPEC,
      metrics: {},
      classNames: [...CLASS_NAMES],
      artifact: 'model-broken',
      sha256: stored.sha256,
      backend: 'wasm',
    });
    await expect(pool.predict('model-broken', images.slice(0, 1))).rejects.toThrow(
      /^inference worker: /,
    );
    const stats = await pool.stats();
    expect(stats.flatMap((s) => s.models)).not.toContain('model-broken');
    expect((await pool.predict('model-a', images.slice(0, 1))).predictions).toHaveLength(1);
  });
});

describe('a pool with room for one model per worker', () => {
  it('swaps models in and out and still answers correctly', async () => {
    const small = createPredictorPool({ registry, store, workers: 1, cacheSize: 1 });
    try {
      for (const id of ['model-a', 'model-b', 'model-a']) {
        const result = await small.predict(id, images.slice(0, 4));
        const model = models[id === 'model-a' ? 'a' : 'b'] as LayersModel;
        const expected = reference(model, images.slice(0, 4));
        expect(result.predictions.map((p) => p.label)).toEqual(expected.map(argmax));
        expect((await small.stats())[0]?.models).toEqual([id]);
      }
    } finally {
      await small.close();
    }
    await expect(small.predict('model-a', images.slice(0, 1))).rejects.toThrow(
      PredictorClosedError,
    );
  });
});
