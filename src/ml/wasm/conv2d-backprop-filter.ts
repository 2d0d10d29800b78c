import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { convInfoFromAttrs } from './conv-info.js';
import { type KernelArgs, matMul, transpose2d, withShape } from './heap.js';

/**
 * dW = Pᵀ·dy, where Pᵀ [fh·fw·cin, n·oh·ow] holds the input patch each output pixel saw
 * (im2col, written transposed); tfjs-backend-wasm has no Conv2DBackpropFilter at all.
 * Both factors are untransposed, the form stock wasm runs through XNNPACK, and the right
 * factor, which XNNPACK repacks on every call, is dy: the smaller of the two.
 */
export function conv2dBackpropFilter(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = convInfoFromAttrs(x.shape, filterShape, attrs);
  const patchSize = info.filterHeight * info.filterWidth * info.inChannels;
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const inPixels = info.batchSize * info.inHeight * info.inWidth;

  const xT = backend.makeOutput([info.inChannels, inPixels], 'float32');
  const patchesT = backend.makeOutput([patchSize, pixels], 'float32');
  // Views only after allocating: growing the heap detaches earlier views.
  transpose2d(
    backend.typedArrayFromHeap(x),
    backend.typedArrayFromHeap(xT),
    inPixels,
    info.inChannels,
  );
  writePatchesTransposed(
    backend.typedArrayFromHeap(xT),
    backend.typedArrayFromHeap(patchesT),
    info,
  );
  backend.disposeData(xT.dataId);
  const dW = matMul(backend, patchesT, withShape(dy, [pixels, info.outChannels]));
  backend.disposeData(patchesT.dataId);
  return withShape(dW, filterShape);
}

/**
 * Row (kh, kw, ci) of Pᵀ lists x[b, oh·sh + kh − padTop, ow·sw + kw − padLeft, ci] over
 * (b, oh, ow), zero outside the input. From channel-major x, each (b, oh) stretch of a row
 * is one contiguous run at stride 1, copied with copyWithin inside the wasm heap.
 */
function writePatchesTransposed(
  xT: Float32Array,
  out: Float32Array,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const heap = new Float32Array(xT.buffer);
  const xBase = xT.byteOffset / 4;
  let o = out.byteOffset / 4;
  const plane = inHeight * inWidth;
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      // Output columns whose input column lies inside the image: [owLo, owHi).
      const owLo = Math.min(outWidth, Math.max(0, Math.ceil((padLeft - kw) / sw)));
      const owHi = Math.max(
        owLo,
        Math.min(outWidth, Math.floor((inWidth - 1 + padLeft - kw) / sw) + 1),
      );
      for (let ci = 0; ci < inChannels; ci++) {
        for (let b = 0; b < batchSize; b++) {
          const image = xBase + (ci * batchSize + b) * plane;
          for (let oh = 0; oh < outHeight; oh++, o += outWidth) {
            const h = oh * sh + kh - padTop;
            if (h < 0 || h >= inHeight) {
              heap.fill(0, o, o + outWidth);
              continue;
            }
            if (owLo > 0) heap.fill(0, o, o + owLo);
            const src = image + h * inWidth + owLo * sw + kw - padLeft;
            if (sw === 1) {
              heap.copyWithin(o + owLo, src, src + owHi - owLo);
            } else {
              for (let ow = owLo, s = src; ow < owHi; ow++, s += sw)
                heap[o + ow] = heap[s] as number;
            }
            if (owHi < outWidth) heap.fill(0, o + owHi, o + outWidth);
          }
        }
      }
    }
  }
}
