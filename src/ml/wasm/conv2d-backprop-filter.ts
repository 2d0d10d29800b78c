import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { convInfoFromAttrs } from './conv-info.js';
import { type KernelArgs, matMul, withShape } from './heap.js';

/**
 * dW = Pᵀ·dy, where Pᵀ [fh·fw·cin, n·oh·ow] holds the input patches each output pixel saw
 * (im2col, written transposed). Writing Pᵀ directly keeps the product untransposed, the
 * form stock wasm runs through XNNPACK; tfjs-backend-wasm has no Conv2DBackpropFilter.
 */
export function conv2dBackpropFilter(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = convInfoFromAttrs(x.shape, filterShape, attrs);
  const rows = info.filterHeight * info.filterWidth * info.inChannels;
  const cols = info.batchSize * info.outHeight * info.outWidth;

  const patchesT = backend.makeOutput([rows, cols], 'float32');
  writePatchesTransposed(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(patchesT), info);
  const dW = matMul(backend, patchesT, withShape(dy, [cols, info.outChannels]));
  backend.disposeData(patchesT.dataId);
  return withShape(dW, filterShape);
}

/**
 * Row (kh, kw, ci) of Pᵀ lists x[b, oh·sh + kh - padTop, ow·sw + kw - padLeft, ci] over
 * (b, oh, ow), zero outside the input. Reading x channel-major first makes each row's
 * inner loop walk memory contiguously.
 */
function writePatchesTransposed(
  x: Float32Array,
  out: Float32Array,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const plane = inHeight * inWidth;
  const xT = channelMajor(x, batchSize * plane, inChannels);
  let o = 0;
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      // Output columns whose input column lies inside the image: [owLo, owHi).
      const owLo = Math.max(0, Math.ceil((padLeft - kw) / sw));
      const owHi = Math.min(outWidth, Math.floor((inWidth - 1 + padLeft - kw) / sw) + 1);
      for (let ci = 0; ci < inChannels; ci++) {
        for (let b = 0; b < batchSize; b++) {
          const base = (ci * batchSize + b) * plane;
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * sh + kh - padTop;
            if (ih < 0 || ih >= inHeight || owLo >= owHi) {
              out.fill(0, o, o + outWidth);
              o += outWidth;
              continue;
            }
            for (let ow = 0; ow < owLo; ow++) out[o++] = 0;
            let s = base + ih * inWidth + owLo * sw + kw - padLeft;
            if (sw === 1) {
              out.set(xT.subarray(s, s + owHi - owLo), o);
              o += owHi - owLo;
            } else {
              for (let ow = owLo; ow < owHi; ow++, s += sw) out[o++] = xT[s] as number;
            }
            for (let ow = owHi; ow < outWidth; ow++) out[o++] = 0;
          }
        }
      }
    }
  }
}

/** [pixels, channels] -> [channels, pixels]. */
function channelMajor(x: Float32Array, pixels: number, channels: number): Float32Array {
  if (channels === 1) return x;
  const out = new Float32Array(pixels * channels);
  for (let p = 0, s = 0; p < pixels; p++) {
    for (let c = 0; c < channels; c++) out[c * pixels + p] = x[s++] as number;
  }
  return out;
}
