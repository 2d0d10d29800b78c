import { ExportError } from './errors.js';
import type { Topology, TopologyLayer } from './layers-topology.js';

/** A shape with the batch dimension first (null: any batch size). */
type Shape = (number | null)[];

const DTYPE = {
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'float32' },
  registered_name: null,
};

/**
 * The `config.json` of a Keras 3 `.keras` archive for a stored tfjs topology: a Functional
 * model in the form Keras 3's `serialize_keras_object` writes (layers with their inbound
 * Keras tensors and build shapes). Initializers and regularizers are left to their defaults:
 * they play no part in inference and the weights are loaded over them.
 */
export function kerasConfig(topology: Topology): Record<string, unknown> {
  const shapes = new Map<string, Shape>();
  const layers = topology.layers.map((layer) => {
    const inputShapes = layer.inputs.map((name) => {
      const shape = shapes.get(name);
      if (!shape) throw unsupported(`layer '${layer.name}' reads '${name}' before it is defined`);
      return shape;
    });
    const output = outputShape(layer, inputShapes);
    shapes.set(layer.name, output);
    return serializeLayer(layer, inputShapes);
  });
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: {
      name: topology.name,
      trainable: true,
      layers,
      input_layers: [topology.inputLayer, 0, 0],
      output_layers: [topology.outputLayer, 0, 0],
    },
    registered_name: 'Functional',
    build_config: { input_shape: null },
    compile_config: null,
  };
}

function serializeLayer(layer: TopologyLayer, inputShapes: Shape[]): Record<string, unknown> {
  const base = {
    module: 'keras.layers',
    class_name: layer.className,
    config: layerConfig(layer),
    registered_name: null,
  };
  if (layer.className === 'InputLayer') {
    return { ...base, name: layer.name, inbound_nodes: [] };
  }
  return {
    ...base,
    build_config: { input_shape: inputShapes[0] },
    name: layer.name,
    inbound_nodes: [
      {
        args: layer.inputs.map((name, i) => ({
          class_name: '__keras_tensor__',
          config: { shape: inputShapes[i], dtype: 'float32', keras_history: [name, 0, 0] },
        })),
        kwargs: {},
      },
    ],
  };
}

function layerConfig(layer: TopologyLayer): Record<string, unknown> {
  const c = layer.config;
  if (layer.className === 'InputLayer') {
    return {
      batch_shape: c.batch_input_shape,
      dtype: 'float32',
      sparse: false,
      ragged: false,
      name: layer.name,
      optional: false,
    };
  }
  const common = { name: layer.name, trainable: c.trainable ?? true, dtype: DTYPE };
  switch (layer.className) {
    case 'ZeroPadding2D':
      return { ...common, padding: c.padding, data_format: channelsLast(layer) };
    case 'Conv2D':
      return {
        ...common,
        filters: c.filters,
        kernel_size: c.kernel_size,
        strides: c.strides,
        padding: c.padding,
        data_format: channelsLast(layer),
        dilation_rate: c.dilation_rate ?? [1, 1],
        groups: 1,
        activation: c.activation ?? 'linear',
        use_bias: c.use_bias ?? true,
      };
    case 'BatchNormalization':
      return {
        ...common,
        axis: c.axis,
        momentum: c.momentum,
        epsilon: c.epsilon,
        center: c.center ?? true,
        scale: c.scale ?? true,
      };
    case 'Activation':
      return { ...common, activation: c.activation };
    case 'MaxPooling2D':
      return {
        ...common,
        pool_size: c.pool_size,
        padding: c.padding,
        strides: c.strides ?? c.pool_size,
        data_format: channelsLast(layer),
      };
    case 'Flatten':
      return { ...common, data_format: 'channels_last' };
    case 'Dropout':
      return { ...common, rate: c.rate, seed: c.seed ?? null, noise_shape: null };
    case 'Dense':
      return {
        ...common,
        units: c.units,
        activation: c.activation ?? 'linear',
        use_bias: c.use_bias ?? true,
      };
  }
}

/** The layer's output shape, batch dimension included, for the next layer's build config. */
function outputShape(layer: TopologyLayer, inputs: Shape[]): Shape {
  const c = layer.config;
  if (layer.className === 'InputLayer') return numbers(c.batch_input_shape, layer, 'shape');
  const [input] = inputs;
  if (inputs.length !== 1 || input === undefined) {
    throw unsupported(`layer '${layer.name}' does not have exactly one input`);
  }
  const [batch, h, w, ch] = input;
  switch (layer.className) {
    case 'ZeroPadding2D': {
      const [[top, bottom], [left, right]] = c.padding as [[number, number], [number, number]];
      return [batch ?? null, dim(h) + top + bottom, dim(w) + left + right, dim(ch)];
    }
    case 'Conv2D': {
      const [kh, kw] = numbers(c.kernel_size, layer, 'kernel_size') as number[];
      const [sh, sw] = numbers(c.strides, layer, 'strides') as number[];
      const [dh, dw] = numbers(c.dilation_rate ?? [1, 1], layer, 'dilation_rate') as number[];
      const same = c.padding === 'same';
      return [
        batch ?? null,
        window(dim(h), ((kh as number) - 1) * (dh as number) + 1, sh as number, same),
        window(dim(w), ((kw as number) - 1) * (dw as number) + 1, sw as number, same),
        c.filters as number,
      ];
    }
    case 'MaxPooling2D': {
      const [ph, pw] = numbers(c.pool_size, layer, 'pool_size') as number[];
      const [sh, sw] = numbers(c.strides ?? c.pool_size, layer, 'strides') as number[];
      const same = c.padding === 'same';
      return [
        batch ?? null,
        window(dim(h), ph as number, sh as number, same),
        window(dim(w), pw as number, sw as number, same),
        dim(ch),
      ];
    }
    case 'Flatten':
      return [batch ?? null, input.slice(1).reduce<number>((n, d) => n * dim(d), 1)];
    case 'Dense':
      return [...input.slice(0, -1), c.units as number];
    default:
      return input;
  }
}

function window(size: number, kernel: number, stride: number, same: boolean): number {
  return same ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;
}

function dim(value: number | null | undefined): number {
  if (typeof value !== 'number') throw unsupported('a feature map has an unknown size');
  return value;
}

function numbers(value: unknown, layer: TopologyLayer, key: string): Shape {
  if (!Array.isArray(value) || !value.every((v) => v === null || Number.isInteger(v))) {
    throw unsupported(`layer '${layer.name}' has a malformed ${key}`);
  }
  return value as Shape;
}

function channelsLast(layer: TopologyLayer): string {
  const format = layer.config.data_format ?? 'channels_last';
  if (format !== 'channels_last') {
    throw unsupported(`layer '${layer.name}' is ${String(format)}; only channels_last is exported`);
  }
  return format;
}

function unsupported(reason: string): ExportError {
  return new ExportError('EXPORT_UNSUPPORTED', `the model cannot be exported to Keras: ${reason}`);
}
