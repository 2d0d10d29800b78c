import {
  initializers,
  input,
  type LayersModel,
  layers,
  model,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import { createBatchNormalization } from './batch-norm-layer.js';
import { deriveSeed, SeededDropout } from './seeded-dropout.js';
import type { ModelSpec } from './spec.js';
import { parseSpec } from './spec-parse.js';

/** Keras names the seed's FashionMNISTCNN instance this way; its summary shows it. */
export const DEFAULT_MODEL_NAME = 'fashionmnistcnn_1';

export interface CreateModelOptions {
  /** Makes weights and dropout masks reproducible; omitted, both are random. */
  readonly seed?: number;
  readonly name?: string;
}

// Keras layer defaults, spelled out because several tfjs-layers defaults
// differ (Conv2D and Dense kernels default to glorotNormal there).
export const BATCH_NORM = { axis: -1, momentum: 0.99, epsilon: 1e-3 } as const;
const BIAS_INITIALIZER = 'zeros';

function chain(layer: layers.Layer, x: SymbolicTensor): SymbolicTensor {
  return layer.apply(x) as SymbolicTensor;
}

/**
 * Builds the seed notebook's CNN for a spec with the functional API: layer
 * order and names follow the seed, so its summary table and saved topology
 * match Keras. Nothing is compiled; training code chooses the optimizer.
 */
export function createModel(spec: ModelSpec, options: CreateModelOptions = {}): LayersModel {
  const checked = parseSpec(spec);
  const { seed } = options;
  // Seeds are handed out in build order, so the same spec and seed give the
  // same weights and the same dropout mask stream.
  let seedsUsed = 0;
  const nextSeed = (): number | undefined =>
    seed === undefined ? undefined : deriveSeed(seed, seedsUsed++);
  const kernelInitializer = () => initializers.glorotUniform({ seed: nextSeed() });

  const inputs = input({ shape: [...checked.inputShape], name: 'input_1' });
  let x = inputs;
  checked.conv.forEach((block, i) => {
    x = chain(layers.zeroPadding2d({ padding: block.pad, name: `conv${i}_pad` }), x);
    x = chain(
      layers.conv2d({
        filters: block.channels,
        kernelSize: block.filter,
        strides: block.stride,
        padding: 'valid',
        kernelInitializer: kernelInitializer(),
        biasInitializer: BIAS_INITIALIZER,
        name: `conv${i}`,
      }),
      x,
    );
    x = chain(createBatchNormalization({ ...BATCH_NORM, name: `conv${i}_bn` }), x);
    x = chain(layers.activation({ activation: block.activation, name: `conv${i}_act` }), x);
    x = chain(
      layers.maxPooling2d({
        poolSize: block.pool,
        strides: block.pool,
        padding: 'valid',
        name: `conv${i}_pool`,
      }),
      x,
    );
  });
  x = chain(layers.flatten({ name: 'flatten_1' }), x);
  checked.dense.forEach((block, j) => {
    x = chain(createBatchNormalization({ ...BATCH_NORM, name: `fc${j}_bn` }), x);
    x = chain(new SeededDropout({ rate: block.dropout, seed: nextSeed(), name: `fc${j}_drop` }), x);
    x = chain(
      layers.dense({
        units: block.neurons,
        activation: block.activation,
        kernelInitializer: kernelInitializer(),
        biasInitializer: BIAS_INITIALIZER,
        name: `fc${j}_act`,
      }),
      x,
    );
  });
  return model({ inputs, outputs: x, name: options.name ?? DEFAULT_MODEL_NAME });
}
