import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { argmax } from '../../src/inference/argmax.js';
import { type BackendName, formatBackendReport, selectBackend } from '../../src/ml/backend.js';
import { imageBatch } from '../../src/ml/batch.js';
import { LocalEngine } from '../../src/ml/local-engine.js';
import { createModel } from '../../src/ml/model.js';
import { exportModel, importWeights, type ModelArtifacts } from '../../src/ml/model-state.js';
import { Replica, type ReplicaOptions, range } from '../../src/ml/replica.js';
import { DEFAULT_SPEC, type ModelSpec } from '../../src/ml/spec.js';
import { fitModel } from '../../src/ml/train.js';
import { fileCheckpoints } from '../../src/store/checkpoints.js';
import { RUN_NATIVE_TESTS } from '../support/native.js';
import { SMALL_SPEC, smallFashionMnist } from '../support/small-data.js';

// tfjs-node on TensorFlow 2.21 (scripts/native-tensorflow.sh, run by setup) against the
// wasm and cpu backends on the same weights and the same real images.
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Largest absolute difference between two equally long lists of arrays. */
function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  expect(a).toHaveLength(b.length);
  let worst = 0;
  a.forEach((x, i) => {
    const y = b[i] as Float32Array;
    expect(x.length).toBe(y.length);
    for (let j = 0; j < x.length; j++)
      worst = Math.max(worst, Math.abs((x[j] as number) - (y[j] as number)));
  });
  return worst;
}

const weightsOf = (replica: Replica) =>
  replica.model.weights.map((w) => w.read().dataSync() as Float32Array);

/** A few training steps on a backend from the same seeded weights; every weight after. */
async function stepsOn(backend: BackendName, options: ReplicaOptions, steps: number) {
  await selectBackend(backend);
  const { train } = await smallFashionMnist();
  const replica = new Replica(options);
  for (let s = 0; s < steps; s++)
    replica.trainBatch(
      train,
      range(50).map((r) => r + 50 * s),
    );
  const weights = weightsOf(replica);
  replica.dispose();
  return weights;
}

/** Probabilities of the first `count` real test images from a model built on `backend`. */
async function predictOn(
  backend: BackendName,
  artifacts: ModelArtifacts,
  spec: ModelSpec,
  count: number,
) {
  await selectBackend(backend);
  const { test } = await smallFashionMnist();
  const model = createModel(spec);
  importWeights(model, artifacts);
  const x = imageBatch(test, range(count));
  const y = model.predict(x) as tf.Tensor;
  const probabilities = y.dataSync() as Float32Array;
  tf.dispose([x, y]);
  model.dispose();
  return probabilities;
}

function labels(probabilities: Float32Array, classes = 10): number[] {
  return Array.from({ length: probabilities.length / classes }, (_, i) =>
    argmax(probabilities.subarray(i * classes, (i + 1) * classes)),
  );
}

describe.skipIf(!RUN_NATIVE_TESTS)('the native TensorFlow backend', () => {
  it('is what auto picks on a host without a GPU, and says which TensorFlow runs', async () => {
    const report = await selectBackend('auto');
    expect(report.name).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(report.detail).toMatch(/^TensorFlow 2\.21\.\d+, oneDNN (on|off)$/);
    expect(report.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu']);
    expect(formatBackendReport(report)).toMatch(
      /^backend tensorflow \(TensorFlow 2\.21\.\d+, oneDNN (on|off)\); skipped tensorflow-gpu \(.+\)$/,
    );
  });

  it("computes the seed model's forward pass as wasm and cpu do", async () => {
    await selectBackend('cpu');
    const seeded = createModel(DEFAULT_SPEC, { seed: 5 });
    const artifacts = await exportModel(seeded);
    seeded.dispose();
    // The stock cpu backend takes seconds per image here: a few images are enough.
    const native = await predictOn('tensorflow', artifacts, DEFAULT_SPEC, 16);
    const wasm = await predictOn('wasm', artifacts, DEFAULT_SPEC, 16);
    const cpu = await predictOn('cpu', artifacts, DEFAULT_SPEC, 16);
    expect(maxDiff([native], [wasm])).toBeLessThan(1e-5);
    expect(maxDiff([native], [cpu])).toBeLessThan(1e-5);
  });

  it('ends a few SGD and Adam steps at the weights wasm ends at', async () => {
    for (const optimizer of ['sgd', 'adam'] as const) {
      const options: ReplicaOptions = { spec: SMALL_SPEC, optimizer, seed: 8 };
      const native = await stepsOn('tensorflow', options, 4);
      const wasm = await stepsOn('wasm', options, 4);
      const initial = await stepsOn('wasm', options, 0);
      const moved = maxDiff(wasm, initial);
      expect(moved, optimizer).toBeGreaterThan(0.5);
      // Batch normalisation sums 39,200 values per channel in the first block; TensorFlow
      // adds them in another order than our kernels, so the conv blocks' gradients agree
      // to three or four digits (seen: about 1/100 of what training moved the weights).
      expect(maxDiff(native, wasm), optimizer).toBeLessThan(moved / 20);
    }
  });

  it('resumes a checkpoint written on native on wasm, and one written on wasm on native', async () => {
    const data = await smallFashionMnist();
    const options: ReplicaOptions = { spec: SMALL_SPEC, optimizer: 'adam', seed: 4 };
    for (const [first, second] of [
      ['tensorflow', 'wasm'],
      ['wasm', 'tensorflow'],
    ] as const) {
      const dir = await mkdtemp(join(tmpdir(), 'tailor-native-resume-'));
      dirs.push(dir);
      const trainOn = async (backend: BackendName, epochs: number) => {
        await selectBackend(backend);
        const engine = new LocalEngine(data, options, backend);
        try {
          const run = await fitModel(engine, data, {
            epochs,
            batchSize: 50,
            seed: 4,
            checkpoints: fileCheckpoints(dir),
            resume: true,
          });
          return { run };
        } finally {
          await engine.dispose();
        }
      };
      // Two epochs in one run: the checkpoint after the first must leave training intact.
      const one = await trainOn(first, 2);
      const two = await trainOn(second, 3);
      expect(one.run.history).toHaveLength(2);
      expect(two.run.initialEpoch).toBe(2);
      expect(two.run.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
      // Training went on from the first backend's weights: it got better, not back to chance.
      expect(two.run.history[2]?.val_acc).toBeGreaterThan(0.5);
      expect(two.run.history[2]?.loss).toBeLessThan(two.run.history[1]?.loss as number);
    }
  });

  it('predicts with a model trained on native what wasm predicts with it', async () => {
    const data = await smallFashionMnist();
    await selectBackend('tensorflow');
    const replica = new Replica({ spec: SMALL_SPEC, optimizer: 'adam', seed: 6 });
    for (let s = 0; s < 12; s++)
      replica.trainBatch(
        data.train,
        range(50).map((r) => r + 50 * s),
      );
    const artifacts = await exportModel(replica.model);
    replica.dispose();
    const native = await predictOn('tensorflow', artifacts, SMALL_SPEC, data.test.count);
    const wasm = await predictOn('wasm', artifacts, SMALL_SPEC, data.test.count);
    expect(maxDiff([native], [wasm])).toBeLessThan(1e-5);
    expect(labels(native)).toEqual(labels(wasm));
    // Trained: well above chance (0.1) on held-out images. Twelve steps reach about 0.5, on
    // either side of it by a few images with the CPU's kernels (seen 0.497 on AVX-512).
    const right = labels(native).filter((l, i) => l === data.test.labels[i]).length;
    expect(right / data.test.count).toBeGreaterThan(0.3);
  });
});
