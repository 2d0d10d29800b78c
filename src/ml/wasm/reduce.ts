import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import { type KernelArgs, runStock } from './heap.js';

/**
 * Sum and Mean over every axis but the last (per-channel statistics of NHWC activations:
 * batch-norm moments, bias gradients). Stock wasm first transposes the whole tensor so the
 * reduced axes come last; summing rows in place needs no copy. Other reductions go to the
 * stock kernels.
 */
export function sum(args: KernelArgs): TensorInfo {
  return reduceLeading(args, 'Sum', false);
}

export function mean(args: KernelArgs): TensorInfo {
  return reduceLeading(args, 'Mean', true);
}

function reduceLeading(args: KernelArgs, stock: 'Sum' | 'Mean', divide: boolean): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const rank = x.shape.length;
  const axes = util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
  const leading = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
  if (!leading || x.dtype !== 'float32') return runStock(stock, backend, inputs, attrs);

  const channels = x.shape[rank - 1] as number;
  const rows = util.sizeFromShape(x.shape) / channels;
  const outShape = attrs.keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels];
  const out = backend.makeOutput(outShape, 'float32');
  const src = backend.typedArrayFromHeap(x);
  // Doubles accumulate tens of thousands of rows without float32 round-off drift.
  const acc = new Float64Array(channels);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) acc[c] = (acc[c] as number) + (src[i++] as number);
  }
  const dst = backend.typedArrayFromHeap(out);
  const scale = divide ? 1 / rows : 1;
  for (let c = 0; c < channels; c++) dst[c] = (acc[c] as number) * scale;
  return out;
}
