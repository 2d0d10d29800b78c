import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/ml/backend.js';
import { Replica, range } from '../../src/ml/replica.js';
import { SMALL_SPEC, smallFashionMnist } from '../support/small-data.js';

/** Trains from the same seed on a backend and returns every weight afterwards. */
async function trainOn(backend: 'wasm' | 'cpu', steps: number): Promise<Float32Array[]> {
  await selectBackend(backend);
  const data = await smallFashionMnist();
  const replica = new Replica({ spec: SMALL_SPEC, optimizer: 'sgd', learningRate: 0.05, seed: 8 });
  const rows = range(50);
  for (let s = 0; s < steps; s++)
    replica.trainBatch(
      data.train,
      rows.map((r) => r + 50 * s),
    );
  const weights = replica.model.weights.map((w) => w.read().dataSync() as Float32Array);
  replica.dispose();
  return weights;
}

describe('training on wasm with our kernels', () => {
  it('ends with the same weights as the cpu backend after several steps', async () => {
    const wasm = await trainOn('wasm', 4);
    const cpu = await trainOn('cpu', 4);
    const initial = await trainOn('cpu', 0);
    expect(wasm).toHaveLength(cpu.length);
    let moved = 0;
    cpu.forEach((want, i) => {
      const got = wasm[i] as Float32Array;
      const start = initial[i] as Float32Array;
      for (let j = 0; j < want.length; j++) {
        // Float32 sums in another order drift a little over several steps.
        expect(Math.abs((got[j] as number) - (want[j] as number))).toBeLessThan(2e-3);
        moved = Math.max(moved, Math.abs((want[j] as number) - (start[j] as number)));
      }
    });
    // The comparison means something only if training moved the weights well past it.
    expect(moved).toBeGreaterThan(0.05);
  });
});
