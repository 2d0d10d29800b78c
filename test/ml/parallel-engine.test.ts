import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedSplit } from '../../src/data/index.js';
import { selectBackend } from '../../src/ml/backend.js';
import { LocalEngine } from '../../src/ml/local-engine.js';
import { ParallelEngine } from '../../src/ml/parallel/parallel-engine.js';
import { fitModel } from '../../src/ml/train.js';
import { SMALL_SPEC, smallFashionMnist } from '../support/small-data.js';

let data: SeedSplit;
let engine: ParallelEngine;

beforeAll(async () => {
  await selectBackend('wasm');
  data = await smallFashionMnist();
  engine = await ParallelEngine.start(
    data,
    { spec: SMALL_SPEC, optimizer: 'adam', seed: 3 },
    { replicas: 2, backend: 'wasm' },
  );
});

afterAll(() => engine.dispose());

describe('ParallelEngine (two wasm replicas in worker threads)', () => {
  it('starts with equal weights and keeps them equal while training', async () => {
    const [a, b] = await engine.replicaDigests();
    expect(a).toBe(b);
    const result = await fitModel(engine, data, { epochs: 2, batchSize: 50, seed: 3 });
    expect(result.status).toBe('completed');
    const [c, d] = await engine.replicaDigests();
    expect(c).toBe(d);
    expect(c).not.toBe(a);
    expect(result.history[1]?.loss).toBeLessThan(result.history[0]?.loss as number);
    expect(result.history[1]?.acc).toBeGreaterThan(0.3);
  });

  it('evaluates exactly as a single replica with the same weights', async () => {
    // Replicas live in worker threads; this thread's tensors are the local engine's alone.
    const tensorsBefore = tf.memory().numTensors;
    const local = new LocalEngine(data, { spec: SMALL_SPEC, optimizer: 'adam' }, 'wasm');
    try {
      await local.importState(await engine.exportModel());
      const [mine, theirs] = await Promise.all([engine.evaluate('val'), local.evaluate('val')]);
      expect(mine.predicted).toEqual(theirs.predicted);
      expect(mine.lossSum).toBeCloseTo(theirs.lossSum, 3);
      // Confidences come back from both replicas' shares in row order.
      expect(mine.confidences).toHaveLength(data.val.count);
      mine.confidences.forEach((c, i) => {
        expect(c).toBeCloseTo(theirs.confidences[i] as number, 5);
      });
    } finally {
      await local.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('fails a request with the replica error rather than hanging', async () => {
    await expect(engine.trainBatch(Int32Array.of(0, 1_000_000))).rejects.toThrow(
      /replica 1: row 1000000 is outside the set's 600 images/,
    );
  });

  it('trains with every optimizer, not only Adam', async () => {
    for (const optimizer of ['sgd', 'rmsprop'] as const) {
      const other = await ParallelEngine.start(
        data,
        { spec: SMALL_SPEC, optimizer, seed: 3 },
        { replicas: 2, backend: 'wasm' },
      );
      try {
        const result = await fitModel(other, data, { epochs: 1, batchSize: 50, seed: 3 });
        expect(result.status, optimizer).toBe('completed');
        const [a, b] = await other.replicaDigests();
        expect(a, optimizer).toBe(b);
      } finally {
        await other.dispose();
      }
    }
  });
});
