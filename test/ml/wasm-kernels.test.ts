import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import { mulberry32 } from '../../src/ml/random.js';
import { BATCH_NORM_TRAINING } from '../../src/ml/wasm/batch-norm-training.js';
import { registerWasmTrainingKernels } from '../../src/ml/wasm/register.js';

// Every replaced wasm kernel is checked against the cpu backend's reference kernels on
// randomized shapes: values and gradients must agree within float32 tolerance.

type Arrays = Float32Array[];

const rand = mulberry32(20261128);
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const values = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);

/** Runs fn on wasm, then cpu; `noise` gives both runs the same random values. */
async function onBoth(
  fn: (noise: (n: number) => Float32Array) => tf.Tensor[],
): Promise<[Arrays, Arrays]> {
  const seed = Math.floor(rand() * 2 ** 32);
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const next = mulberry32(seed);
    const outs = tf.tidy(() => fn((n) => Float32Array.from({ length: n }, () => next() * 2 - 1)));
    const arrays = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose(outs);
    expect(tf.memory().numTensors).toBe(before);
    return arrays;
  };
  return [await run('wasm'), await run('cpu')];
}

function expectClose(actual: Arrays, expected: Arrays, context: string): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((want, i) => {
    const got = actual[i] as Float32Array;
    expect(got.length, context).toBe(want.length);
    const scale = Math.max(1, ...Array.from(want, Math.abs));
    let worst = 0;
    for (let j = 0; j < want.length; j++) {
      worst = Math.max(worst, Math.abs((got[j] as number) - (want[j] as number)));
    }
    expect(worst / scale, `${context} output ${i}`).toBeLessThan(2e-5);
  });
}

beforeAll(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
});

describe('wasm training kernels agree with the cpu backend', () => {
  it('conv2d gradients (Conv2DBackpropInput, Conv2DBackpropFilter) on random shapes', async () => {
    for (let c = 0; c < 40; c++) {
      const filter = int(1, 5);
      const stride = int(1, 3);
      const pad = pick(['valid', 'same', 0, 1, 2] as const);
      const extra = typeof pad === 'number' ? 2 * pad : 0;
      const h = int(Math.max(1, filter - extra), 11);
      const w = int(Math.max(1, filter - extra), 11);
      const xShape = [int(1, 3), h, w, int(1, 6)] as [number, number, number, number];
      const fShape = [filter, filter, xShape[3], int(1, 6)] as [number, number, number, number];
      const xv = values(tf.util.sizeFromShape(xShape));
      const fv = values(tf.util.sizeFromShape(fShape));
      const context = `x ${xShape} filter ${fShape} stride ${stride} pad ${pad}`;
      const [wasm, cpu] = await onBoth((noise) => {
        const x = tf.tensor4d(xv, xShape);
        const f = tf.tensor4d(fv, fShape);
        const y = tf.conv2d(x, f, stride, pad);
        const r = tf.tensor(noise(y.size), y.shape);
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), r)),
        )([x, f]);
        return [y, ...grads];
      });
      expectClose(wasm, cpu, context);
    }
  });

  it('matMul with every transpose combination', async () => {
    for (let c = 0; c < 40; c++) {
      const [m, k, n] = [int(1, 40), int(1, 40), int(1, 40)];
      const transposeA = rand() < 0.5;
      const transposeB = rand() < 0.5;
      const batch = pick([0, 1, 1, 2]);
      const lead = batch ? [batch] : [];
      const aShape = [...lead, ...(transposeA ? [k, m] : [m, k])];
      const bShape = [...lead, ...(transposeB ? [n, k] : [k, n])];
      const av = values(tf.util.sizeFromShape(aShape));
      const bv = values(tf.util.sizeFromShape(bShape));
      const [wasm, cpu] = await onBoth(() => [
        tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), transposeA, transposeB),
      ]);
      expectClose(wasm, cpu, `a ${aShape} b ${bShape} tA ${transposeA} tB ${transposeB}`);
    }
  });

  it('maxPool gradient on random windows, strides and paddings', async () => {
    for (let c = 0; c < 30; c++) {
      // The first case is the seed's conv0_pool: 1x1, stride 1.
      const size = c === 0 ? 1 : int(1, 3);
      const stride = c === 0 ? 1 : int(1, 3);
      const pad = pick(['valid', 'same'] as const);
      const xShape = [int(1, 3), int(size, 10), int(size, 10), int(1, 5)] as [
        number,
        number,
        number,
        number,
      ];
      const xv = values(tf.util.sizeFromShape(xShape));
      const [wasm, cpu] = await onBoth((noise) => {
        const x = tf.tensor4d(xv, xShape);
        const y = tf.maxPool(x, size, stride, pad);
        const r = tf.tensor(noise(y.size), y.shape);
        const dx = tf.grad((a: tf.Tensor) =>
          tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, stride, pad), r)),
        )(x);
        return [y, dx];
      });
      expectClose(wasm, cpu, `x ${xShape} size ${size} stride ${stride} pad ${pad}`);
    }
  });

  it('sum and mean over any axes', async () => {
    for (let c = 0; c < 30; c++) {
      const rank = int(1, 4);
      const shape = Array.from({ length: rank }, () => int(1, 7));
      const axes = [...new Set(Array.from({ length: int(1, rank) }, () => int(0, rank - 1)))];
      const keepDims = rand() < 0.5;
      const xv = values(tf.util.sizeFromShape(shape));
      const [wasm, cpu] = await onBoth(() => {
        const x = tf.tensor(xv, shape);
        return [tf.sum(x, axes, keepDims), tf.mean(x, axes, keepDims)];
      });
      expectClose(wasm, cpu, `shape ${shape} axes ${axes} keepDims ${keepDims}`);
    }
  });
});

describe('batch-norm gradient', () => {
  it('equals autodiff through the elementary formula, for every input', async () => {
    for (const shape of [
      [6, 5],
      [2, 4, 3, 7],
    ]) {
      const channels = shape[shape.length - 1] as number;
      const xv = values(tf.util.sizeFromShape(shape));
      const stats = [values(channels), values(channels).map(Math.abs), values(channels)];
      const scale = values(channels);
      const eps = 1e-3;
      await tf.setBackend('cpu');
      const [fused, composed] = tf.tidy(() => {
        const inputs = [tf.tensor(xv, shape), ...[...stats, scale].map((v) => tf.tensor1d(v))];
        const r = tf.tensor(values(xv.length), shape);
        const fusedGrads = tf.grads((x, m, v, o, s) =>
          tf.sum(tf.mul(tf.batchNorm(x, m, v, o, s, eps), r)),
        )(inputs);
        const composedGrads = tf.grads((x, m, v, o, s) =>
          tf.sum(tf.mul(tf.add(tf.mul(tf.mul(tf.sub(x, m), tf.rsqrt(tf.add(v, eps))), s), o), r)),
        )(inputs);
        return [fusedGrads.map((g) => g.dataSync()), composedGrads.map((g) => g.dataSync())];
      });
      expectClose(fused as Arrays, composed as Arrays, `batchNorm ${shape}`);
    }
  });
});

describe('fused batch-norm training kernels', () => {
  it('match moments + batchNorm and their autodiff on the cpu backend', async () => {
    for (let c = 0; c < 12; c++) {
      const shape =
        rand() < 0.5 ? [int(2, 9), int(1, 12)] : [int(1, 3), int(1, 6), int(1, 6), int(1, 9)];
      const channels = shape[shape.length - 1] as number;
      const size = tf.util.sizeFromShape(shape);
      const xv = values(size).map((v) => v * 3 + 1);
      const scale = values(channels);
      const offset = values(channels);
      const epsilon = 1e-3;
      const axes = shape.slice(0, -1).map((_, i) => i);
      const [wasm, cpu] = await onBoth((noise) => {
        const x = tf.tensor(xv, shape);
        const s = tf.tensor1d(scale);
        const o = tf.tensor1d(offset);
        const r = tf.tensor(noise(size), shape);
        const forward = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor): tf.Tensor[] => {
          if (tf.getBackend() === 'wasm') {
            return tf
              .engine()
              .runKernel(
                BATCH_NORM_TRAINING,
                { x: a, scale: b, offset: d },
                { epsilon },
              ) as tf.Tensor[];
          }
          const { mean, variance } = tf.moments(a, axes);
          return [tf.batchNorm(a, mean, variance, d, b, epsilon), mean, variance];
        };
        const [y, mean, variance] = forward(x, s, o);
        const grads = tf.grads((a, b, d) => tf.sum(tf.mul(forward(a, b, d)[0] as tf.Tensor, r)))([
          x,
          s,
          o,
        ]);
        return [y as tf.Tensor, mean as tf.Tensor, variance as tf.Tensor, ...grads];
      });
      expectClose(wasm, cpu, `batch-norm training ${shape}`);
    }
  });
});
