import { backend_util, type NamedAttrMap } from '@tensorflow/tfjs-core';

/** Conv2DInfo for a backprop kernel's attrs; only NHWC exists on wasm, as in its Conv2D. */
export function convInfoFromAttrs(
  xShape: number[],
  filterShape: number[],
  attrs: NamedAttrMap,
): backend_util.Conv2DInfo {
  const dataFormat = backend_util.convertConv2DDataFormat(attrs.dataFormat as 'NHWC' | 'NCHW');
  if (dataFormat !== 'channelsLast') {
    throw new Error(
      `wasm conv2d gradients support dataFormat 'NHWC' only, got '${attrs.dataFormat}'`,
    );
  }
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    dataFormat,
  );
}
