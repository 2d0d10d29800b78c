import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, layers } from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createModel, DEFAULT_MODEL_NAME } from '../../src/ml/model.js';
import { SeededDropout } from '../../src/ml/seeded-dropout.js';
import { DEFAULT_SPEC, type ModelSpec, SpecError } from '../../src/ml/spec.js';
import { parseSpec } from '../../src/ml/spec-parse.js';

const convParams = (filter: number, cin: number, cout: number) =>
  filter * filter * cin * cout + cout;
const batchNormParams = (channels: number) => 4 * channels;
const denseParams = (inputs: number, outputs: number) => inputs * outputs + outputs;

const models: LayersModel[] = [];
function build(spec: ModelSpec, options: { seed?: number; name?: string } = {}): LayersModel {
  const model = createModel(spec, options);
  models.push(model);
  return model;
}

afterEach(() => {
  for (const model of models.splice(0)) model.dispose();
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function layerTable(model: LayersModel): [string, string, (number | null)[], number][] {
  return model.layers.map((layer) => [
    layer.name,
    layer.getClassName(),
    layer.outputShape as (number | null)[],
    layer.countParams(),
  ]);
}

/** Small enough to run forward passes quickly, with dropout on. */
const SMALL_SPEC = parseSpec({
  inputShape: [12, 12, 1],
  conv: [{ channels: 4, pool: 2 }],
  dense: [
    { neurons: 16, activation: 'relu', dropout: 0.5 },
    { neurons: 10, activation: 'softmax', dropout: 0.5 },
  ],
});

describe('createModel', () => {
  it('builds the seed layers in order, with the seed names and Keras defaults', () => {
    const model = build(DEFAULT_SPEC);
    expect(model.name).toBe(DEFAULT_MODEL_NAME);
    expect(model.layers.map((layer) => layer.name)).toEqual([
      'input_1',
      ...[0, 1, 2].flatMap((i) =>
        ['pad', '', 'bn', 'act', 'pool'].map((s) => (s ? `conv${i}_${s}` : `conv${i}`)),
      ),
      'flatten_1',
      ...[0, 1, 2].flatMap((j) => [`fc${j}_bn`, `fc${j}_drop`, `fc${j}_act`]),
    ]);
    // tfjs spells Keras' glorot_uniform as the VarianceScaling it is.
    const glorotUniform = {
      className: 'VarianceScaling',
      config: { scale: 1, mode: 'fanAvg', distribution: 'uniform' },
    };
    expect(model.getLayer('conv1').getConfig()).toMatchObject({
      padding: 'valid',
      strides: [1, 1],
      kernelSize: [3, 3],
      useBias: true,
      kernelInitializer: glorotUniform,
      biasInitializer: { className: 'Zeros' },
    });
    expect(model.getLayer('conv1_bn').getConfig()).toMatchObject({
      momentum: 0.99,
      epsilon: 0.001,
    });
    expect(model.getLayer('conv1_pool').getConfig()).toMatchObject({
      poolSize: [2, 2],
      strides: [2, 2],
      padding: 'valid',
    });
    expect(model.getLayer('fc2_act').getConfig()).toMatchObject({
      units: 10,
      activation: 'softmax',
      kernelInitializer: glorotUniform,
      biasInitializer: { className: 'Zeros' },
    });
    expect(model.countParams()).toBe(3_467_402);
  });

  it('keeps the stock Dropout class name in the saved topology', () => {
    const model = build(SMALL_SPEC, { seed: 3 });
    expect(model.getLayer('fc0_drop')).toBeInstanceOf(SeededDropout);
    const topology = model.toJSON(null, false) as {
      config: { layers: { class_name: string; name: string }[] };
    };
    const dropout = topology.config.layers.find((layer) => layer.name === 'fc0_drop');
    expect(dropout?.class_name).toBe('Dropout');
    expect(model.getLayer('fc0_drop').getConfig()).toMatchObject({ rate: 0.5 });
  });

  it('builds a non-default spec with the shapes and parameter counts of the formulas', () => {
    const spec = parseSpec({
      conv: [
        { pad: 2, channels: 16, filter: 5, stride: 2, pool: 1, activation: 'relu' },
        { pad: 2, channels: 32, filter: 5, stride: 2, pool: 2, activation: 'elu' },
      ],
      dense: [
        { neurons: 128, activation: 'relu', dropout: 0.5 },
        { neurons: 64, activation: 'selu', dropout: 0.25 },
        { neurons: 32, activation: 'tanh', dropout: 0 },
        { neurons: 10, activation: 'softmax', dropout: 0 },
      ],
    });
    // conv0: 28 + 2*2 = 32 padded, floor((32 - 5) / 2) + 1 = 14, pool 1 keeps 14.
    // conv1: 14 + 2*2 = 18 padded, floor((18 - 5) / 2) + 1 = 7, pool 2 gives 3.
    const flat = 3 * 3 * 32;
    expect(layerTable(build(spec))).toEqual([
      ['input_1', 'InputLayer', [null, 28, 28, 1], 0],
      ['conv0_pad', 'ZeroPadding2D', [null, 32, 32, 1], 0],
      ['conv0', 'Conv2D', [null, 14, 14, 16], convParams(5, 1, 16)],
      ['conv0_bn', 'BatchNormalization', [null, 14, 14, 16], batchNormParams(16)],
      ['conv0_act', 'Activation', [null, 14, 14, 16], 0],
      ['conv0_pool', 'MaxPooling2D', [null, 14, 14, 16], 0],
      ['conv1_pad', 'ZeroPadding2D', [null, 18, 18, 16], 0],
      ['conv1', 'Conv2D', [null, 7, 7, 32], convParams(5, 16, 32)],
      ['conv1_bn', 'BatchNormalization', [null, 7, 7, 32], batchNormParams(32)],
      ['conv1_act', 'Activation', [null, 7, 7, 32], 0],
      ['conv1_pool', 'MaxPooling2D', [null, 3, 3, 32], 0],
      ['flatten_1', 'Flatten', [null, flat], 0],
      ['fc0_bn', 'BatchNormalization', [null, flat], batchNormParams(flat)],
      ['fc0_drop', 'Dropout', [null, flat], 0],
      ['fc0_act', 'Dense', [null, 128], denseParams(flat, 128)],
      ['fc1_bn', 'BatchNormalization', [null, 128], batchNormParams(128)],
      ['fc1_drop', 'Dropout', [null, 128], 0],
      ['fc1_act', 'Dense', [null, 64], denseParams(128, 64)],
      ['fc2_bn', 'BatchNormalization', [null, 64], batchNormParams(64)],
      ['fc2_drop', 'Dropout', [null, 64], 0],
      ['fc2_act', 'Dense', [null, 32], denseParams(64, 32)],
      ['fc3_bn', 'BatchNormalization', [null, 32], batchNormParams(32)],
      ['fc3_drop', 'Dropout', [null, 32], 0],
      ['fc3_act', 'Dense', [null, 10], denseParams(32, 10)],
    ]);
  });

  it('validates the spec it is given', () => {
    const bad = { ...DEFAULT_SPEC, numClasses: 7 };
    expect(() => createModel(bad)).toThrow(SpecError);
    expect(() => createModel(bad)).toThrow('dense[2].neurons');
  });

  it('gives equal weights for equal seeds and different ones otherwise', () => {
    // Raw bytes: exact, and far quicker than a deep equality over 3.5M numbers.
    const weights = (model: LayersModel) =>
      Buffer.concat(
        model.getWeights().map((tensor) => {
          const values = tensor.dataSync();
          return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
        }),
      );
    const seeded = weights(build(DEFAULT_SPEC, { seed: 42 }));
    expect(seeded.length).toBe(3_467_402 * 4);
    expect(weights(build(DEFAULT_SPEC, { seed: 42 })).equals(seeded)).toBe(true);
    expect(weights(build(DEFAULT_SPEC, { seed: 43 })).equals(seeded)).toBe(false);
    expect(weights(build(DEFAULT_SPEC)).equals(weights(build(DEFAULT_SPEC)))).toBe(false);
  });

  it('answers a batch with one probability row per image', () => {
    const model = build(DEFAULT_SPEC, { seed: 1 });
    const output = tf.tidy(() => {
      const probabilities = model.predict(
        tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 5),
      ) as tf.Tensor;
      return { shape: probabilities.shape, sums: tf.sum(probabilities, 1).arraySync() as number[] };
    });
    expect(output.shape).toEqual([2, 10]);
    for (const sum of output.sums) expect(sum).toBeCloseTo(1, 5);
  });

  it('leaves no tensors behind once the model is disposed', () => {
    const before = tf.memory().numTensors;
    const model = createModel(SMALL_SPEC, { seed: 9 });
    tf.tidy(() => {
      const images = tf.ones([2, 12, 12, 1]);
      model.predict(images);
      model.apply(images, { training: true });
    });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('seeded dropout', () => {
  /** Dropout masks of `calls` consecutive training calls: 0 where a unit was dropped. */
  function masks(layer: layers.Layer, calls: number): number[][] {
    return tf.tidy(() =>
      Array.from({ length: calls }, () => {
        const output = layer.apply(tf.ones([4, 64]), { training: true }) as tf.Tensor;
        return Array.from(output.dataSync(), (value) => (value === 0 ? 0 : 1));
      }),
    );
  }

  it('explains why it exists: a seeded stock Dropout repeats one mask', () => {
    const [first, second] = masks(layers.dropout({ rate: 0.5, seed: 7 }), 2);
    expect(second).toEqual(first);
  });

  it('replays masks for equal seeds but draws a new mask on every call', () => {
    const [a1, a2, a3] = masks(new SeededDropout({ rate: 0.5, seed: 7 }), 3);
    const [b1, b2] = masks(new SeededDropout({ rate: 0.5, seed: 7 }), 2);
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
    expect(a2).not.toEqual(a1);
    expect(a3).not.toEqual(a2);
    const kept = (a1 as number[]).reduce((sum, unit) => sum + unit, 0);
    expect(kept).toBeGreaterThan(64); // about half of 256 units survive rate 0.5
    expect(kept).toBeLessThan(192);
  });

  it('is the identity outside training and at rate 0', () => {
    tf.tidy(() => {
      const ones = tf.ones([2, 8]);
      const layer = new SeededDropout({ rate: 0.5, seed: 1 });
      expect(Array.from((layer.apply(ones) as tf.Tensor).dataSync())).toEqual(
        new Array(16).fill(1),
      );
      const off = new SeededDropout({ rate: 0, seed: 1 });
      expect(Array.from((off.apply(ones, { training: true }) as tf.Tensor).dataSync())).toEqual(
        new Array(16).fill(1),
      );
    });
  });

  it('replays across models with the same seed and varies from batch to batch', () => {
    const trainingOutputs = (model: LayersModel) =>
      tf.tidy(() => {
        const images = tf.randomUniform([4, 12, 12, 1], 0, 1, 'float32', 11);
        return [0, 1].map(() =>
          Array.from((model.apply(images, { training: true }) as tf.Tensor).dataSync()),
        );
      });
    const [a1, a2] = trainingOutputs(build(SMALL_SPEC, { seed: 5 }));
    const [b1, b2] = trainingOutputs(build(SMALL_SPEC, { seed: 5 }));
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
    expect(a2).not.toEqual(a1);
  });

  it('makes training reproducible for a seed, with a dropout draw per batch', async () => {
    const trainTwoEpochs = async (model: LayersModel) => {
      const trainingCalls: boolean[] = [];
      model.getLayer('fc0_drop').setCallHook((_inputs, kwargs) => {
        trainingCalls.push(kwargs.training === true);
      });
      model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
      const images = tf.randomUniform([12, 12, 12, 1], 0, 1, 'float32', 2);
      const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1], 'int32'), 10);
      const history = await model.fit(images, labels, { batchSize: 4, epochs: 2, shuffle: false });
      tf.dispose([images, labels]);
      return { losses: history.history.loss, trainingCalls };
    };
    const first = await trainTwoEpochs(build(SMALL_SPEC, { seed: 8 }));
    // 3 batches x 2 epochs, each a training call of the dropout layer.
    expect(first.trainingCalls).toEqual(new Array(6).fill(true));
    expect((await trainTwoEpochs(build(SMALL_SPEC, { seed: 8 }))).losses).toEqual(first.losses);
    expect((await trainTwoEpochs(build(SMALL_SPEC, { seed: 9 }))).losses).not.toEqual(first.losses);
  });
});
