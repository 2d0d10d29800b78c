import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelArgs } from './heap.js';

/**
 * Routes each output gradient to the first maximum of its window (as the cpu backend
 * does). Stock wasm MaxPoolGrad scans every window of every input pixel instead.
 */
export function maxPoolGrad(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const x = inputs.input as TensorInfo;
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize as [number, number] | number,
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const dx = backend.makeOutput(x.shape, 'float32');
  routeToMaxima(
    backend.typedArrayFromHeap(x),
    backend.typedArrayFromHeap(dy),
    backend.typedArrayFromHeap(dx),
    info,
  );
  return dx;
}

function routeToMaxima(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  if (fh === 1 && fw === 1 && sh === 1 && sw === 1 && padTop === 0 && padLeft === 0) {
    // A 1x1 pool with stride 1 (the seed's conv0_pool) passes every gradient through.
    dx.set(dy);
    return;
  }
  dx.fill(0);
  let g = 0;
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight * inWidth * c;
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = Math.max(0, oh * sh - padTop);
      const h1 = Math.min(inHeight, oh * sh - padTop + fh);
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = Math.max(0, ow * sw - padLeft);
        const w1 = Math.min(inWidth, ow * sw - padLeft + fw);
        for (let ch = 0; ch < c; ch++, g++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let h = h0; h < h1; h++) {
            for (let w = w0, i = image + (h * inWidth + w0) * c + ch; w < w1; w++, i += c) {
              const v = x[i] as number;
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] = (dx[at] as number) + (dy[g] as number);
        }
      }
    }
  }
}
