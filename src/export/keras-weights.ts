import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportError } from './errors.js';
import type { Topology, TopologyLayer, WeightSpec } from './layers-topology.js';

/**
 * Keras 3 addresses a layer's weights by its class in snake case (not by its name, which is
 * not reproducible), numbered in model.layers order: `layers/conv2d`, `layers/conv2d_1`, ...
 * (keras/src/saving/saving_lib.py, `_save_container_state`).
 */
const H5_NAMES: Record<TopologyLayer['className'], string> = {
  InputLayer: 'input_layer',
  ZeroPadding2D: 'zero_padding2d',
  Conv2D: 'conv2d',
  BatchNormalization: 'batch_normalization',
  Activation: 'activation',
  MaxPooling2D: 'max_pooling2d',
  Flatten: 'flatten',
  Dropout: 'dropout',
  Dense: 'dense',
};

/** tfjs weight names in the order Keras 3 layers create (and save) their variables. */
function variableNames(layer: TopologyLayer): string[] {
  const c = layer.config;
  switch (layer.className) {
    case 'Conv2D':
    case 'Dense':
      return c.use_bias === false ? ['kernel'] : ['kernel', 'bias'];
    case 'BatchNormalization':
      return [
        ...(c.scale === false ? [] : ['gamma']),
        ...(c.center === false ? [] : ['beta']),
        'moving_mean',
        'moving_variance',
      ];
    default:
      return [];
  }
}

export interface LayerWeights {
  /** The group path under the file root, e.g. `layers/conv2d_1`. */
  path: string;
  /** The layer's own name, kept as the `name` attribute of its `vars` group as Keras does. */
  name: string;
  vars: { shape: number[]; data: Float32Array }[];
}

/**
 * Splits the stored weights.bin by layer, in Keras 3's variable order. Every stored weight must
 * be float32 and used exactly once, so a missing or extra variable fails here rather than
 * when Keras loads the file.
 */
export function kerasLayerWeights(
  topology: Topology,
  specs: readonly WeightSpec[],
  weightData: Uint8Array,
): LayerWeights[] {
  const byName = new Map<string, { shape: number[]; data: Float32Array }>();
  let offset = 0;
  for (const spec of specs) {
    if (spec.dtype !== 'float32') {
      throw unsupported(`weight '${spec.name}' is ${spec.dtype}, not float32`);
    }
    const count = spec.shape.reduce((n, d) => n * d, 1);
    const bytes = weightData.subarray(offset, offset + count * 4);
    if (bytes.length !== count * 4) throw unsupported('weights.bin is shorter than its manifest');
    // Copied: a Buffer's bytes may sit at any offset of a larger, shared ArrayBuffer.
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes);
    byName.set(spec.name, { shape: spec.shape, data });
    offset += count * 4;
  }
  const used = new Map<string, number>();
  const layers = topology.layers.map((layer) => {
    const base = H5_NAMES[layer.className];
    const seen = used.get(base);
    used.set(base, seen === undefined ? 0 : seen + 1);
    const path = `layers/${seen === undefined ? base : `${base}_${seen + 1}`}`;
    const vars = variableNames(layer).map((variable) => {
      const key = `${layer.name}/${variable}`;
      const found = byName.get(key);
      if (!found) throw unsupported(`weight '${key}' is missing`);
      byName.delete(key);
      return found;
    });
    return { path, name: layer.name, vars };
  });
  const [extra] = byName.keys();
  if (extra !== undefined) throw unsupported(`weight '${extra}' belongs to no exported layer`);
  return layers;
}

/**
 * `model.weights.h5` as Keras 3's H5IOStore writes it: a `vars` group per saveable (the model
 * at the root, each layer under `layers/`), holding datasets `0`, `1`, ... HDF5 is written by
 * the HDF5 library itself, compiled to WebAssembly (h5wasm), through a temporary file.
 */
export async function writeKerasWeights(
  modelName: string,
  layers: LayerWeights[],
): Promise<Buffer> {
  const h5wasm = await import('h5wasm/node');
  await h5wasm.ready;
  const dir = await mkdtemp(join(tmpdir(), 'tailor-keras-'));
  const path = join(dir, 'model.weights.h5');
  try {
    const file = new h5wasm.File(path, 'w');
    try {
      file.create_group('vars').create_attribute('name', modelName);
      const root = file.create_group('layers');
      for (const layer of layers) {
        const vars = root.create_group(layer.path.slice('layers/'.length)).create_group('vars');
        vars.create_attribute('name', layer.name);
        layer.vars.forEach((variable, i) => {
          vars.create_dataset({
            name: String(i),
            data: variable.data,
            shape: variable.shape,
            dtype: '<f',
          });
        });
      }
    } finally {
      file.close();
    }
    return await readFile(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function unsupported(reason: string): ExportError {
  return new ExportError('EXPORT_UNSUPPORTED', `the model cannot be exported to Keras: ${reason}`);
}
