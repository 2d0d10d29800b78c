import {
  add,
  broadcast_util,
  FusedBatchNorm,
  type GradConfig,
  mul,
  type NamedAttrMap,
  neg,
  reshape,
  rsqrt,
  scalar,
  sub,
  sum,
  type Tensor,
} from '@tensorflow/tfjs-core';

/**
 * The gradient of FusedBatchNorm with per-channel factors broadcast, not tiled: tfjs-core's
 * own gradient tiles 1/sqrt(var+eps) up to the activation's full shape before multiplying,
 * and Tile is among the slowest wasm kernels. Same formulas otherwise.
 */
export const batchNormGradConfig: GradConfig = {
  kernelName: FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const g = dy as Tensor;
    const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    const epsilon = attrs.varianceEpsilon as number;
    const axes = mean.rank === 1 ? broadcast_util.getReductionAxes(mean.shape, x.shape) : [];
    const reduce = (t: Tensor) => reshape(axes.length > 0 ? sum(t, axes) : t, mean.shape);
    const rstd = rsqrt(add(variance, scalar(epsilon)));
    const scaled = scale == null ? g : mul(g, scale);
    const centered = sub(x, mean);
    return {
      x: () => reshape(mul(scaled, rstd), x.shape),
      mean: () => reduce(mul(scaled, neg(rstd))),
      variance: () =>
        reduce(mul(mul(centered, scaled), mul(scalar(-0.5), mul(rstd, mul(rstd, rstd))))),
      scale: () => reduce(mul(g, mul(centered, rstd))),
      offset: () => reduce(g),
    };
  },
};
