import { describe, expect, it } from 'vitest';
import { seedDictsToSpec, specToSeedDicts } from '../../src/ml/seed-dicts.js';
import {
  ACTIVATIONS,
  convBlockShapes,
  DEFAULT_SPEC,
  flattenedSize,
  SpecError,
  type SpecErrorCode,
} from '../../src/ml/spec.js';
import { parseSpec } from '../../src/ml/spec-parse.js';

// model.conv_params and model.fc_params as the notebook prints them.
const NOTEBOOK_CONV_PARAMS = {
  conv0: {
    conv0_pad: 1,
    conv0_channels: 32,
    conv0_filter: 3,
    conv0_stride: 1,
    conv0_pool: 1,
    conv0_activation: 'relu',
  },
  conv1: {
    conv1_pad: 1,
    conv1_channels: 64,
    conv1_filter: 3,
    conv1_stride: 1,
    conv1_pool: 2,
    conv1_activation: 'relu',
  },
  conv2: {
    conv2_pad: 1,
    conv2_channels: 128,
    conv2_filter: 3,
    conv2_stride: 1,
    conv2_pool: 2,
    conv2_activation: 'relu',
  },
};
const NOTEBOOK_FC_PARAMS = {
  fc0: { fc0_neurons: 512, fc0_activation: 'relu' },
  fc1: { fc1_neurons: 256, fc1_activation: 'relu' },
  fc2: { fc2_neurons: 10, fc2_activation: 'softmax' },
};

function specError(run: () => unknown): SpecError {
  try {
    run();
  } catch (error) {
    if (error instanceof SpecError) return error;
    throw error;
  }
  throw new Error('expected a SpecError');
}

function expectSpecError(
  json: unknown,
  code: SpecErrorCode,
  field: string,
  ...messageParts: string[]
): void {
  const error = specError(() => parseSpec(json));
  expect({ code: error.code, field: error.field }).toEqual({ code, field });
  expect(error.message.startsWith(`${field || 'spec'}: `)).toBe(true);
  for (const part of messageParts) expect(error.message).toContain(part);
}

const withConv = (index: number, patch: object) => ({
  conv: DEFAULT_SPEC.conv.map((block, i) => (i === index ? { ...block, ...patch } : block)),
});
const withDense = (index: number, patch: object) => ({
  dense: DEFAULT_SPEC.dense.map((block, i) => (i === index ? { ...block, ...patch } : block)),
});

describe('DEFAULT_SPEC', () => {
  it('is the seed architecture, without dropout as the seed trains it', () => {
    expect(DEFAULT_SPEC).toEqual({
      inputShape: [28, 28, 1],
      numClasses: 10,
      conv: [
        { pad: 1, channels: 32, filter: 3, stride: 1, pool: 1, activation: 'relu' },
        { pad: 1, channels: 64, filter: 3, stride: 1, pool: 2, activation: 'relu' },
        { pad: 1, channels: 128, filter: 3, stride: 1, pool: 2, activation: 'relu' },
      ],
      dense: [
        { neurons: 512, activation: 'relu', dropout: 0 },
        { neurons: 256, activation: 'relu', dropout: 0 },
        { neurons: 10, activation: 'softmax', dropout: 0 },
      ],
    });
  });

  it('is frozen so no caller can change the defaults of another', () => {
    expect(Object.isFrozen(DEFAULT_SPEC)).toBe(true);
    expect(Object.isFrozen(DEFAULT_SPEC.conv[0])).toBe(true);
    expect(Object.isFrozen(DEFAULT_SPEC.inputShape)).toBe(true);
  });

  it('parses to itself', () => {
    expect(parseSpec(DEFAULT_SPEC)).toEqual(DEFAULT_SPEC);
    expect(parseSpec(JSON.parse(JSON.stringify(DEFAULT_SPEC)))).toEqual(DEFAULT_SPEC);
  });
});

describe('convBlockShapes', () => {
  it('follows the seed summary through the default blocks', () => {
    expect(convBlockShapes(DEFAULT_SPEC.inputShape, DEFAULT_SPEC.conv)).toEqual([
      { input: [28, 28, 1], padded: [30, 30, 1], conv: [28, 28, 32], output: [28, 28, 32] },
      { input: [28, 28, 32], padded: [30, 30, 32], conv: [28, 28, 64], output: [14, 14, 64] },
      { input: [14, 14, 64], padded: [16, 16, 64], conv: [14, 14, 128], output: [7, 7, 128] },
    ]);
    expect(flattenedSize(DEFAULT_SPEC)).toBe(6272);
  });

  it('handles strides, non-square inputs and no conv blocks', () => {
    const conv = [
      { pad: 0, channels: 8, filter: 5, stride: 2, pool: 3, activation: 'relu' as const },
    ];
    // (20 - 5) / 2 + 1 = 8 -> pool 3 -> 2; (31 - 5) / 2 + 1 = 14 -> 4
    expect(convBlockShapes([20, 31, 3], conv)[0]?.output).toEqual([2, 4, 8]);
    expect(flattenedSize({ inputShape: [20, 31, 3], conv: [] })).toBe(20 * 31 * 3);
  });
});

describe('parseSpec defaults', () => {
  it('fills every omitted top-level key from the defaults', () => {
    expect(parseSpec({})).toEqual(DEFAULT_SPEC);
  });

  it('keeps the default conv blocks when only dense blocks are given', () => {
    const dense = [
      { neurons: 128, activation: 'elu', dropout: 0.5 },
      { neurons: 10, activation: 'softmax', dropout: 0.25 },
    ];
    expect(parseSpec({ dense })).toEqual({ ...DEFAULT_SPEC, dense });
  });

  it('fills omitted block fields from the seed block at the same position', () => {
    const spec = parseSpec({ conv: [{ channels: 16 }, {}, {}, { pool: 1 }], dense: [{}, {}] });
    expect(spec.conv).toEqual([
      { ...DEFAULT_SPEC.conv[0], channels: 16 },
      DEFAULT_SPEC.conv[1],
      DEFAULT_SPEC.conv[2],
      { ...DEFAULT_SPEC.conv[2], pool: 1 },
    ]);
    // The last dense block defaults to the classifier, hidden ones to the seed's.
    expect(spec.dense).toEqual([DEFAULT_SPEC.dense[0], DEFAULT_SPEC.dense[2]]);
  });

  it('sizes the default classifier by numClasses', () => {
    const spec = parseSpec({ numClasses: 4 });
    expect(spec.dense.at(-1)).toEqual({ neurons: 4, activation: 'softmax', dropout: 0 });
  });

  it('accepts no conv blocks and any number of dense blocks', () => {
    const spec = parseSpec({ conv: [], dense: [{}, {}, {}, {}, {}] });
    expect(spec.conv).toEqual([]);
    expect(spec.dense.map((block) => block.neurons)).toEqual([512, 256, 256, 256, 10]);
  });
});

describe('parseSpec errors', () => {
  it('rejects a spec that is not an object', () => {
    expectSpecError([], 'not_object', '', 'must be a JSON object');
    const error = specError(() => parseSpec(null));
    expect(error.message).toBe('spec: must be a JSON object, got null');
  });

  it('rejects unknown keys at every level, listing the allowed ones', () => {
    expectSpecError({ convs: [] }, 'unknown_key', 'convs', 'inputShape, numClasses, conv, dense');
    expectSpecError(
      { conv: [{ chanels: 8 }] },
      'unknown_key',
      'conv[0].chanels',
      'pad, channels, filter, stride, pool, activation',
    );
    expectSpecError(
      withDense(1, { units: 3 }),
      'unknown_key',
      'dense[1].units',
      'neurons, activation, dropout',
    );
  });

  it('rejects blocks that are not objects and block lists that are not arrays', () => {
    expectSpecError({ conv: [3] }, 'not_object', 'conv[0]');
    expectSpecError({ conv: { conv0: {} } }, 'not_array', 'conv', 'must be an array');
    expectSpecError({ dense: 'fc' }, 'not_array', 'dense');
  });

  it('rejects non-integers', () => {
    expectSpecError(
      withConv(1, { channels: 2.5 }),
      'not_integer',
      'conv[1].channels',
      'positive integer',
      '2.5',
    );
    expectSpecError(
      withConv(0, { filter: '3' }),
      'not_integer',
      'conv[0].filter',
      'positive integer',
      '"3"',
    );
    expectSpecError(withConv(0, { pad: 0.5 }), 'not_integer', 'conv[0].pad', 'integer >= 0');
    expectSpecError(withDense(0, { neurons: null }), 'not_integer', 'dense[0].neurons', 'got null');
    expectSpecError({ numClasses: 9.5 }, 'not_integer', 'numClasses');
  });

  it('rejects zero or negative sizes and negative padding', () => {
    for (const key of ['channels', 'filter', 'stride', 'pool']) {
      expectSpecError(
        withConv(2, { [key]: 0 }),
        'not_positive',
        `conv[2].${key}`,
        'positive integer, got 0',
      );
      expectSpecError(withConv(2, { [key]: -1 }), 'not_positive', `conv[2].${key}`, 'got -1');
    }
    expectSpecError(
      withDense(0, { neurons: 0 }),
      'not_positive',
      'dense[0].neurons',
      'positive integer',
    );
    expectSpecError(withConv(0, { pad: -1 }), 'negative', 'conv[0].pad', 'integer >= 0, got -1');
    expect(parseSpec(withConv(0, { pad: 0 })).conv[0]?.pad).toBe(0);
  });

  it('rejects dropout outside [0, 1)', () => {
    expectSpecError(
      withDense(1, { dropout: 1 }),
      'out_of_range',
      'dense[1].dropout',
      '[0, 1), got 1',
    );
    expectSpecError(withDense(1, { dropout: -0.1 }), 'out_of_range', 'dense[1].dropout', '[0, 1)');
    expectSpecError(withDense(1, { dropout: '0.5' }), 'not_number', 'dense[1].dropout', '[0, 1)');
    expect(parseSpec(withDense(1, { dropout: 0.99 })).dense[1]?.dropout).toBe(0.99);
  });

  it('rejects unknown activations, listing the allowed ones', () => {
    const allowed = ACTIVATIONS.join(', ');
    expect(allowed).toBe(
      'relu, relu6, elu, selu, tanh, sigmoid, softplus, softsign, swish, linear, softmax',
    );
    expectSpecError(
      withConv(1, { activation: 'leaky_relu' }),
      'unknown_activation',
      'conv[1].activation',
      '"leaky_relu"',
      allowed,
    );
    expectSpecError(
      withDense(0, { activation: 3 }),
      'unknown_activation',
      'dense[0].activation',
      allowed,
    );
  });

  it('rejects an input shape that is not 3 positive integers', () => {
    for (const inputShape of [[28, 28], [28, 28, 1, 1], [28, 0, 1], [28, 28.5, 1], '28x28', null]) {
      expectSpecError({ inputShape }, 'bad_input_shape', 'inputShape', '3 positive integers');
    }
  });

  it('rejects fewer than 2 classes', () => {
    expectSpecError({ numClasses: 1 }, 'out_of_range', 'numClasses', '>= 2');
    expectSpecError({ numClasses: 0 }, 'not_positive', 'numClasses');
  });

  it('rejects a spec without dense blocks', () => {
    expectSpecError({ dense: [] }, 'no_dense_blocks', 'dense', 'at least one block');
  });

  it('rejects a filter larger than its padded input, naming the sizes', () => {
    // conv2 sees 14x14, padded to 16x16.
    expectSpecError(
      withConv(2, { filter: 17 }),
      'filter_too_large',
      'conv[2].filter',
      'filter 17 is larger than the 16x16 padded input (14x14 plus pad 1 on each side)',
      'at most 16',
    );
    expect(parseSpec(withConv(2, { filter: 16, pool: 1 })).conv[2]?.filter).toBe(16);
    expectSpecError(
      { inputShape: [8, 4, 1], conv: [{ pad: 0, filter: 5 }] },
      'filter_too_large',
      'conv[0].filter',
      'the 8x4 padded input',
      'at most 4',
    );
  });

  it('rejects a pool that shrinks the feature map below 1x1, naming the size it would reach', () => {
    expectSpecError(
      withConv(2, { pool: 15 }),
      'pool_too_large',
      'conv[2].pool',
      'pool 15 shrinks the 14x14 feature map to 0x0',
      'at most 14',
    );
    // Pool 8 on 14x14 gives 1x1, the smallest map allowed.
    expect(
      convBlockShapes([28, 28, 1], parseSpec(withConv(2, { pool: 8 })).conv)[2]?.output,
    ).toEqual([1, 1, 128]);
    // conv3 pools its 7x7 map to 1x1; conv4 pads that to 3x3, convolves it to 1x1, then pool 2 empties it.
    expectSpecError(
      { conv: [...DEFAULT_SPEC.conv, { pool: 4 }, { pool: 2 }] },
      'pool_too_large',
      'conv[4].pool',
      'pool 2 shrinks the 1x1 feature map to 0x0',
    );
  });

  it('rejects a last dense block whose size is not numClasses', () => {
    expectSpecError(
      withDense(2, { neurons: 5 }),
      'output_size_mismatch',
      'dense[2].neurons',
      'numClasses (10)',
      'got 5',
    );
    expectSpecError(
      { numClasses: 5, dense: DEFAULT_SPEC.dense },
      'output_size_mismatch',
      'dense[2].neurons',
      'numClasses (5)',
      'got 10',
    );
  });

  it('rejects a last activation other than softmax, saying why', () => {
    expectSpecError(
      withDense(2, { activation: 'sigmoid' }),
      'output_not_softmax',
      'dense[2].activation',
      'must use softmax, got "sigmoid"',
      'categorical cross-entropy on class probabilities',
    );
  });
});

describe('notebook dicts', () => {
  it('converts the default spec to the dicts the notebook prints', () => {
    const dicts = specToSeedDicts(DEFAULT_SPEC);
    expect(dicts).toEqual({
      conv_params: NOTEBOOK_CONV_PARAMS,
      fc_params: NOTEBOOK_FC_PARAMS,
      drop_rate: 0,
    });
    // Same key order as the notebook's dicts, so printed JSON reads the same.
    expect(JSON.stringify(dicts.conv_params)).toBe(JSON.stringify(NOTEBOOK_CONV_PARAMS));
    expect(JSON.stringify(dicts.fc_params)).toBe(JSON.stringify(NOTEBOOK_FC_PARAMS));
  });

  it('round-trips the notebook dicts through a spec', () => {
    const pasted = { conv_params: NOTEBOOK_CONV_PARAMS, fc_params: NOTEBOOK_FC_PARAMS };
    const spec = seedDictsToSpec(pasted);
    expect(spec).toEqual(DEFAULT_SPEC);
    expect(specToSeedDicts(spec)).toEqual({ ...pasted, drop_rate: 0 });
  });

  it('round-trips a non-default spec with one drop rate', () => {
    const spec = parseSpec({
      inputShape: [32, 32, 3],
      numClasses: 4,
      conv: [{ pad: 2, channels: 8, filter: 5, stride: 2, pool: 2, activation: 'elu' }],
      dense: [
        { neurons: 64, activation: 'tanh', dropout: 0.5 },
        { neurons: 4, activation: 'softmax', dropout: 0.5 },
      ],
    });
    const dicts = specToSeedDicts(spec);
    expect(dicts.fc_params).toEqual({
      fc0: { fc0_neurons: 64, fc0_activation: 'tanh' },
      fc1: { fc1_neurons: 4, fc1_activation: 'softmax' },
    });
    expect(dicts.drop_rate).toBe(0.5);
    expect(seedDictsToSpec(dicts, { inputShape: [32, 32, 3], numClasses: 4 })).toEqual(spec);
  });

  it('fills omitted dicts and entries with the defaults', () => {
    expect(seedDictsToSpec({})).toEqual(DEFAULT_SPEC);
    const spec = seedDictsToSpec({
      conv_params: { conv0: { conv0_channels: 16 } },
      drop_rate: 0.5,
    });
    expect(spec.conv).toEqual([{ ...DEFAULT_SPEC.conv[0], channels: 16 }]);
    expect(spec.dense).toEqual(DEFAULT_SPEC.dense.map((block) => ({ ...block, dropout: 0.5 })));
  });

  it('refuses per-block drop rates, which the notebook form cannot hold', () => {
    const error = specError(() => specToSeedDicts(parseSpec(withDense(1, { dropout: 0.5 }))));
    expect(error.code).toBe('not_representable');
    expect(error.field).toBe('dense[1].dropout');
    expect(error.message).toContain('one drop_rate for every fc block');
  });

  it('reports errors by their dict path', () => {
    const badPool = specError(() =>
      seedDictsToSpec({ conv_params: { ...NOTEBOOK_CONV_PARAMS, conv2: { conv2_pool: 0 } } }),
    );
    expect(badPool.field).toBe('conv_params.conv2.conv2_pool');
    expect(badPool.message).toBe('conv_params.conv2.conv2_pool: must be a positive integer, got 0');
    const badName = specError(() => seedDictsToSpec({ fc_params: { fc0: {}, fc2: {} } }));
    expect({ code: badName.code, field: badName.field }).toEqual({
      code: 'unknown_key',
      field: 'fc_params.fc2',
    });
    expect(badName.message).toContain('fc0, fc1');
    const badKey = specError(() => seedDictsToSpec({ fc_params: { fc0: { fc0_dropout: 0.5 } } }));
    expect(badKey.field).toBe('fc_params.fc0.fc0_dropout');
    expect(badKey.message).toContain('fc0_neurons, fc0_activation');
    expect(specError(() => seedDictsToSpec({ drop_rate: 1 })).field).toBe('drop_rate');
    expect(specError(() => seedDictsToSpec({ fc_params: {} })).field).toBe('fc_params');
    expect(specError(() => seedDictsToSpec({ dropout: 0 })).field).toBe('dropout');
  });
});
