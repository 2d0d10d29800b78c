import type { GradConfig, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs } from './heap.js';

/**
 * Batch normalisation in training mode as two kernels over the last axis: forward gives
 * y, the batch mean and the (biased) batch variance; backward gives dx, dscale and doffset
 * by the closed form dx = scale·rstd/m · (m·dy − Σdy − x̂·Σ(dy·x̂)). Composed from tfjs ops
 * (moments, then batchNorm, then autodiff through both) the same step takes about fifteen
 * full passes over the activation; these take five.
 */
export const BATCH_NORM_TRAINING = 'TailorBatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'TailorBatchNormTrainingGrad';

export function batchNormTraining(args: KernelArgs): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const channels = x.shape[x.shape.length - 1] as number;
  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([channels], 'float32');
  const variance = backend.makeOutput([channels], 'float32');
  const xs = backend.typedArrayFromHeap(x);
  const n = xs.length;
  const rows = n / channels;
  // One pass for both moments; float64 sums keep E[x²] − E[x]² exact enough.
  const [sum, squares] = channelSums(xs, xs, channels);
  const epsilon = attrs.epsilon as number;
  const scale = backend.typedArrayFromHeap(inputs.scale as TensorInfo);
  const offset = backend.typedArrayFromHeap(inputs.offset as TensorInfo);
  // y = x·a + b per channel, with a = scale·rstd and b = offset − mean·a.
  const a = new Float32Array(channels);
  const b = new Float32Array(channels);
  const meanOut = backend.typedArrayFromHeap(mean);
  const varOut = backend.typedArrayFromHeap(variance);
  for (let c = 0; c < channels; c++) {
    const mu = (sum[c] as number) / rows;
    const v = Math.max(0, (squares[c] as number) / rows - mu * mu);
    meanOut[c] = mu;
    varOut[c] = v;
    a[c] = (scale[c] as number) / Math.sqrt(v + epsilon);
    b[c] = (offset[c] as number) - mu * (a[c] as number);
  }
  affine(xs, xs, backend.typedArrayFromHeap(y), a, new Float32Array(channels), b, channels);
  return [y, mean, variance];
}

export function batchNormTrainingGrad(args: KernelArgs): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const channels = x.shape[x.shape.length - 1] as number;
  const dx = backend.makeOutput(x.shape, 'float32');
  const dScale = backend.makeOutput([channels], 'float32');
  const dOffset = backend.makeOutput([channels], 'float32');
  const xs = backend.typedArrayFromHeap(x);
  const dys = backend.typedArrayFromHeap(inputs.dy as TensorInfo);
  const scale = backend.typedArrayFromHeap(inputs.scale as TensorInfo);
  const mean = backend.typedArrayFromHeap(inputs.mean as TensorInfo);
  const variance = backend.typedArrayFromHeap(inputs.variance as TensorInfo);
  const epsilon = attrs.epsilon as number;
  const n = xs.length;
  const rows = n / channels;
  const rstd = Float32Array.from(variance, (v) => 1 / Math.sqrt(v + epsilon));
  const [sumDy, sumDyX] = channelSums(dys, xs, channels);
  // Σ(dy·x̂) = rstd·(Σ(dy·x) − mean·Σdy). Then dx = k·(dy − Σdy/m − x̂·Σ(dy·x̂)/m), k =
  // scale·rstd, which is dx = p·dy + q·x + r per channel.
  const p = new Float32Array(channels);
  const q = new Float32Array(channels);
  const r = new Float32Array(channels);
  const dScaleOut = backend.typedArrayFromHeap(dScale);
  const dOffsetOut = backend.typedArrayFromHeap(dOffset);
  for (let c = 0; c < channels; c++) {
    const s = rstd[c] as number;
    const mu = mean[c] as number;
    const sumG = sumDy[c] as number;
    const sumGXhat = s * ((sumDyX[c] as number) - mu * sumG);
    const k = (scale[c] as number) * s;
    dScaleOut[c] = sumGXhat;
    dOffsetOut[c] = sumG;
    p[c] = k;
    q[c] = (-k * s * sumGXhat) / rows;
    r[c] = -k * (sumG / rows) + (k * s * sumGXhat * mu) / rows;
  }
  affine(dys, xs, backend.typedArrayFromHeap(dx), p, q, r, channels);
  return [dx, dScale, dOffset];
}

// The passes over the activation live in small functions of their own: V8 optimises a
// short hot loop far better than the same loop inside a long kernel.

/** Per channel: Σu and Σu·v over the rows of [rows, channels] arrays (Σx, Σx² for u = v). */
function channelSums(
  u: Float32Array,
  v: Float32Array,
  channels: number,
): [Float64Array, Float64Array] {
  const sums = new Float64Array(channels);
  const products = new Float64Array(channels);
  const n = u.length;
  for (let base = 0; base < n; base += channels) {
    for (let c = 0; c < channels; c++) {
      const a = u[base + c] as number;
      sums[c] = (sums[c] as number) + a;
      products[c] = (products[c] as number) + a * (v[base + c] as number);
    }
  }
  return [sums, products];
}

/** out = p·u + q·v + r, per channel. */
function affine(
  u: Float32Array,
  v: Float32Array,
  out: Float32Array,
  p: Float32Array,
  q: Float32Array,
  r: Float32Array,
  channels: number,
): void {
  const n = u.length;
  for (let base = 0; base < n; base += channels) {
    for (let c = 0; c < channels; c++) {
      out[base + c] =
        (p[c] as number) * (u[base + c] as number) +
        (q[c] as number) * (v[base + c] as number) +
        (r[c] as number);
    }
  }
}

export const batchNormTrainingGradConfig: GradConfig = {
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    // Only y feeds the loss; mean and variance go to the moving averages.
    const dyY = (Array.isArray(dy) ? dy[0] : dy) as Tensor;
    const [x, scale, mean, variance] = saved as [Tensor, Tensor, Tensor, Tensor];
    const [dx, dScale, dOffset] = tf
      .engine()
      .runKernel(
        BATCH_NORM_TRAINING_GRAD,
        { dy: dyY, x, scale, mean, variance },
        attrs,
      ) as Tensor[];
    return {
      x: () => dx as Tensor,
      scale: () => dScale as Tensor,
      offset: () => dOffset as Tensor,
    };
  },
};
