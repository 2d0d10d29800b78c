import { convBlockShapes, flattenedSize, type ModelSpec } from './spec.js';

/** One layer of the model a spec builds, as Keras names and shapes it, with what it costs. */
export interface SpecLayer {
  name: string;
  /** Keras class name, as the summary shows it. */
  type: string;
  /** Output shape of one image. */
  dims: readonly number[];
  trainable: number;
  /** Batch-norm moving statistics. */
  nonTrainable: number;
  /** Floating-point operations per output value, a multiply-add counted as 2. */
  flopsPerValue: number;
  /**
   * Outputs of this shape the forward pass keeps for backprop: none for a reshape, two for a
   * dense layer (before and after its activation).
   */
  kept: number;
}

/**
 * The layers of the model a spec builds, computed from the spec alone: the one place the
 * shape and parameter arithmetic lives, which the summary, the parameter count and the
 * cost budget read. Tests hold it equal to the summary of the model tfjs builds.
 */
export function specLayers(spec: ModelSpec): SpecLayer[] {
  const layers: SpecLayer[] = [];
  const add = (
    name: string,
    type: string,
    dims: readonly number[],
    { trainable = 0, nonTrainable = 0, flopsPerValue = 1, kept = 1 } = {},
  ) => layers.push({ name, type, dims, trainable, nonTrainable, flopsPerValue, kept });
  add('input_1', 'InputLayer', spec.inputShape, { flopsPerValue: 0 });
  convBlockShapes(spec.inputShape, spec.conv).forEach((s, i) => {
    const block = spec.conv[i] as ModelSpec['conv'][number];
    const c = block.channels;
    const fanIn = block.filter * block.filter * s.input[2];
    add(`conv${i}_pad`, 'ZeroPadding2D', s.padded, { flopsPerValue: 0 });
    // The convolution and its bias.
    add(`conv${i}`, 'Conv2D', s.conv, { trainable: fanIn * c + c, flopsPerValue: 2 * fanIn + 1 });
    add(`conv${i}_bn`, 'BatchNormalization', s.conv, {
      trainable: 2 * c,
      nonTrainable: 2 * c,
      flopsPerValue: 4,
    });
    add(`conv${i}_act`, 'Activation', s.conv);
    // Max pooling compares pool x pool values.
    add(`conv${i}_pool`, 'MaxPooling2D', s.output, { flopsPerValue: block.pool * block.pool });
  });
  let width = flattenedSize(spec);
  add('flatten_1', 'Flatten', [width], { flopsPerValue: 0, kept: 0 });
  spec.dense.forEach((block, j) => {
    const n = block.neurons;
    add(`fc${j}_bn`, 'BatchNormalization', [width], {
      trainable: 2 * width,
      nonTrainable: 2 * width,
      flopsPerValue: 4,
    });
    add(`fc${j}_drop`, 'Dropout', [width]);
    // The matrix product and its bias, then the activation.
    add(`fc${j}_act`, 'Dense', [n], {
      trainable: width * n + n,
      flopsPerValue: 2 * width + 2,
      kept: 2,
    });
    width = n;
  });
  return layers;
}

/** Values of one image in a layer's output. */
export function sizeOf(layer: SpecLayer): number {
  return layer.dims.reduce((n, d) => n * d, 1);
}
