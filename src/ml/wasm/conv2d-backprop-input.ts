import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { convInfoFromAttrs } from './conv-info.js';
import { type KernelArgs, runStock } from './heap.js';

/**
 * dx as a forward convolution, which stock wasm runs through XNNPACK (its own
 * Conv2DBackpropInput is a naive loop about ten times slower):
 * dx = conv2d_valid(dy spread out by the stride and padded by fh-1-pad, W rotated 180° with
 * in/out channels swapped).
 */
export function conv2dBackpropInput(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const inputShape = attrs.inputShape as [number, number, number, number];
  const info = convInfoFromAttrs(inputShape, filter.shape, attrs);
  const { filterHeight: fh, filterWidth: fw, inChannels, outChannels } = info;

  const spread = backend.makeOutput(
    [info.batchSize, info.inHeight + fh - 1, info.inWidth + fw - 1, outChannels],
    'float32',
  );
  const rotated = backend.makeOutput([fh, fw, outChannels, inChannels], 'float32');
  spreadGradient(backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(spread), info);
  rotateFilter(backend.typedArrayFromHeap(filter), backend.typedArrayFromHeap(rotated), info);
  const dx = runStock(
    'Conv2D',
    backend,
    { x: spread, filter: rotated },
    { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC' },
  );
  backend.disposeData(spread.dataId);
  backend.disposeData(rotated.dataId);
  return dx;
}

/** Places dy[b, oh, ow] at (oh·sh + fh-1-padTop, ow·sw + fw-1-padLeft); zeros elsewhere. */
function spreadGradient(dy: Float32Array, out: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels: c } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const height = inHeight + fh - 1;
  const width = inWidth + fw - 1;
  const top = fh - 1 - info.padInfo.top;
  const left = fw - 1 - info.padInfo.left;
  out.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h = oh * sh + top;
      if (h < 0 || h >= height) continue;
      const rowIn = (b * outHeight + oh) * outWidth * c;
      const rowOut = (b * height + h) * width * c;
      if (sw === 1 && left >= 0 && left + outWidth <= width) {
        out.set(dy.subarray(rowIn, rowIn + outWidth * c), rowOut + left * c);
        continue;
      }
      for (let ow = 0; ow < outWidth; ow++) {
        const w = ow * sw + left;
        if (w < 0 || w >= width) continue;
        const s = rowIn + ow * c;
        out.set(dy.subarray(s, s + c), rowOut + w * c);
      }
    }
  }
}

/** rotated[kh, kw, co, ci] = filter[fh-1-kh, fw-1-kw, ci, co]. */
function rotateFilter(
  filter: Float32Array,
  out: Float32Array,
  info: backend_util.Conv2DInfo,
): void {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = info;
  let o = 0;
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      const src = ((fh - 1 - kh) * fw + (fw - 1 - kw)) * ci * co;
      for (let c = 0; c < co; c++) {
        for (let i = 0; i < ci; i++) out[o++] = filter[src + i * co + c] as number;
      }
    }
  }
}
