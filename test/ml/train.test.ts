import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedSplit } from '../../src/data/index.js';
import { selectBackend } from '../../src/ml/backend.js';
import { LocalEngine } from '../../src/ml/local-engine.js';
import { ParallelEngine } from '../../src/ml/parallel/parallel-engine.js';
import { type BatchProgress, type FitOptions, fitModel } from '../../src/ml/train.js';
import { fileCheckpoints } from '../../src/store/checkpoints.js';
import { SMALL_SPEC, smallFashionMnist } from '../support/small-data.js';

let data: SeedSplit;
let dir: string;

beforeAll(async () => {
  await selectBackend('wasm');
  data = await smallFashionMnist();
  dir = await mkdtemp(join(tmpdir(), 'tailor-train-'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(options: Partial<FitOptions> & { seed?: number } = {}) {
  const engine = new LocalEngine(
    data,
    { spec: SMALL_SPEC, optimizer: 'adam', seed: options.seed ?? 5 },
    'wasm',
  );
  try {
    return await fitModel(engine, data, { epochs: 2, batchSize: 50, seed: 5, ...options });
  } finally {
    await engine.dispose();
  }
}

describe('fitModel', () => {
  it('reports every batch and each epoch, and learns', async () => {
    const batches: BatchProgress[] = [];
    const result = await run({ onBatch: (p) => batches.push(p) });
    expect(result.status).toBe('completed');
    expect(batches).toHaveLength(2 * 12);
    expect(batches.map((b) => b.batch).slice(0, 12)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    expect(batches.every((b) => b.batches === 12 && b.loss > 0 && b.acc >= 0 && b.acc <= 1)).toBe(
      true,
    );
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2]);
    const [first, second] = result.history;
    expect(second?.loss).toBeLessThan(first?.loss as number);
    // 10 balanced classes: chance is 0.1.
    expect(second?.acc).toBeGreaterThan(0.3);
    // 24 batches: batch-norm statistics must already serve inference (Keras' average of
    // momentum 0.99 from mean 0, variance 1 would still score about chance here).
    expect(second?.val_acc).toBeGreaterThan(0.3);
    expect(result.bestValAcc).toBe(Math.max(...result.history.map((h) => h.val_acc)));
  });

  it('gives the same metrics for the same seed, and other metrics for another seed', async () => {
    const a = await run({ seed: 11 });
    const b = await run({ seed: 11 });
    const c = await run({ seed: 12 });
    expect(b.history.map(({ seconds, imagesPerSecond, ...m }) => m)).toEqual(
      a.history.map(({ seconds, imagesPerSecond, ...m }) => m),
    );
    expect(c.history[0]?.loss).not.toBe(a.history[0]?.loss);
  });

  it('stops between batches when cancelled', async () => {
    const controller = new AbortController();
    let seen = 0;
    const result = await run({
      signal: controller.signal,
      onBatch: () => {
        if (++seen === 3) controller.abort();
      },
    });
    expect(result.status).toBe('cancelled');
    expect(seen).toBe(3);
    expect(result.history).toHaveLength(0);
  });

  it('checkpoints each epoch and resumes to the same result as an uninterrupted run', async () => {
    const straight = await run({ epochs: 3, seed: 21 });
    const ckpt = join(dir, 'resume');
    const first = await run({ epochs: 1, seed: 21, checkpoints: fileCheckpoints(ckpt) });
    expect(first.lastCheckpoint).toBe('state-epoch-01');
    const resumed = await run({
      epochs: 3,
      seed: 21,
      checkpoints: fileCheckpoints(ckpt),
      resume: true,
    });
    expect(resumed.initialEpoch).toBe(1);
    const metrics = (h: typeof straight.history) =>
      h.map(({ seconds, imagesPerSecond, ...m }) => m);
    expect(metrics(resumed.history)).toEqual(metrics(straight.history));
    const files = await readdir(ckpt);
    expect(files.filter((f) => f.startsWith('state-epoch-'))).toEqual(['state-epoch-03']);
    expect(files.filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    expect(files.some((f) => /^epoch-0\d-val_acc-\d\.\d{4}$/.test(f))).toBe(true);
  });

  it('suspends inside an epoch and resumes at the next batch, as if never stopped', async () => {
    const straight = await run({ epochs: 2, seed: 23 });
    const ckpt = join(dir, 'suspend');
    const suspend = new AbortController();
    const starts: [number, number][] = [];
    const first = await run({
      epochs: 2,
      seed: 23,
      checkpoints: fileCheckpoints(ckpt),
      suspend: suspend.signal,
      onEpochStart: (epoch, batch) => starts.push([epoch, batch]),
      onBatch: (p) => {
        if (p.epoch === 2 && p.batch === 5) suspend.abort('shutdown');
      },
    });
    expect(first.status).toBe('suspended');
    expect(first.suspendedAt).toEqual({ epoch: 2, batch: 5 });
    expect(first.lastCheckpoint).toBe('state-epoch-01-batch-00005');
    const batches: BatchProgress[] = [];
    const resumed = await run({
      epochs: 2,
      seed: 23,
      checkpoints: fileCheckpoints(ckpt),
      resume: true,
      onEpochStart: (epoch, batch) => starts.push([epoch, batch]),
      onBatch: (p) => batches.push(p),
    });
    expect(starts).toEqual([
      [1, 0],
      [2, 0],
      [2, 5],
    ]);
    expect([resumed.initialEpoch, resumed.initialBatch]).toEqual([1, 5]);
    // Only the 7 batches left were trained, and the epoch's metrics match a straight run.
    expect(batches.map((b) => b.batch)).toEqual([6, 7, 8, 9, 10, 11, 12]);
    const metrics = (h: typeof straight.history) =>
      h.map(({ seconds, imagesPerSecond, ...m }) => m);
    expect(metrics(resumed.history)).toEqual(metrics(straight.history));
    expect((await readdir(ckpt)).filter((f) => f.startsWith('state-epoch-'))).toEqual([
      'state-epoch-02',
    ]);
  });

  it('stops during validation when cancelled, without waiting for it to finish', async () => {
    // Replicas validate in worker threads, so a cancel arrives while validation runs.
    const engine = await ParallelEngine.start(
      data,
      { spec: SMALL_SPEC, optimizer: 'adam', seed: 5 },
      { replicas: 2, backend: 'wasm' },
    );
    const controller = new AbortController();
    let validating = false;
    const evaluate = engine.evaluate.bind(engine);
    engine.evaluate = (set) => {
      validating = true;
      setImmediate(() => controller.abort());
      return evaluate(set);
    };
    try {
      const result = await fitModel(engine, data, {
        epochs: 1,
        batchSize: 50,
        signal: controller.signal,
      });
      expect(validating).toBe(true);
      expect(result.status).toBe('cancelled');
      expect(result.history).toHaveLength(0);
    } finally {
      await engine.dispose();
    }
  });

  it('returns every tensor it made', async () => {
    const before = tf.memory().numTensors;
    await run({ epochs: 1 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a batch size that is not a positive integer', async () => {
    await expect(run({ batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
  });
});
