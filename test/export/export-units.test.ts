import { describe, expect, it } from 'vitest';
import { ExportError } from '../../src/export/errors.js';
import { kerasConfig } from '../../src/export/keras-config.js';
import { kerasLayerWeights } from '../../src/export/keras-weights.js';
import { readTopology } from '../../src/export/layers-topology.js';
import { crc32, zipStored } from '../../src/export/zip.js';

const layer = (name: string, className: string, config: object, input?: string) => ({
  name,
  class_name: className,
  config: { name, ...config },
  inbound_nodes: input === undefined ? [] : [[[input, 0, 0, {}]]],
});

const topology = (layers: object[]) => ({
  class_name: 'Model',
  config: {
    name: 'm',
    layers,
    input_layers: [['in', 0, 0]],
    output_layers: [[(layers.at(-1) as { name: string }).name, 0, 0]],
  },
});

const INPUT = layer('in', 'InputLayer', { batch_input_shape: [null, 28, 28, 1] });

function exportError(run: () => unknown): ExportError {
  try {
    run();
  } catch (err) {
    if (err instanceof ExportError) return err;
    throw err;
  }
  throw new Error('expected an ExportError');
}

describe('readTopology', () => {
  it('refuses a layer class with no stock equivalent, naming it', () => {
    const err = exportError(() =>
      readTopology(topology([INPUT, layer('drop', 'SeededDropout', { rate: 0.5 }, 'in')])),
    );
    expect(err.code).toBe('EXPORT_UNSUPPORTED');
    expect(err.message).toMatch(/layer 'drop' is a SeededDropout/);
  });

  it('refuses a layer called twice', () => {
    const twice = {
      ...layer('d', 'Dense', { units: 2 }),
      inbound_nodes: [[['in', 0, 0]], [['in', 0, 0]]],
    };
    expect(exportError(() => readTopology(topology([INPUT, twice]))).message).toMatch(
      /called more than once/,
    );
  });
});

describe('kerasConfig', () => {
  it('follows shapes through padding, strided convolution, pooling and flatten', () => {
    const config = kerasConfig(
      readTopology(
        topology([
          INPUT,
          layer(
            'pad',
            'ZeroPadding2D',
            {
              padding: [
                [1, 1],
                [2, 2],
              ],
            },
            'in',
          ),
          layer(
            'conv',
            'Conv2D',
            { filters: 5, kernel_size: [3, 3], strides: [2, 2], padding: 'valid' },
            'pad',
          ),
          layer(
            'pool',
            'MaxPooling2D',
            { pool_size: [2, 2], strides: [2, 2], padding: 'valid' },
            'conv',
          ),
          layer('flat', 'Flatten', {}, 'pool'),
          layer('dense', 'Dense', { units: 3, activation: 'softmax' }, 'flat'),
        ]),
      ),
    ) as { config: { layers: { build_config?: { input_shape: unknown } }[] } };
    expect(config.config.layers.map((l) => l.build_config?.input_shape)).toEqual([
      undefined,
      [null, 28, 28, 1],
      [null, 30, 32, 1],
      [null, 14, 15, 5],
      [null, 7, 7, 5],
      [null, 245],
    ]);
  });

  it('refuses channels_first', () => {
    const top = topology([
      INPUT,
      layer(
        'pad',
        'ZeroPadding2D',
        {
          padding: [
            [1, 1],
            [1, 1],
          ],
          data_format: 'channels_first',
        },
        'in',
      ),
    ]);
    expect(exportError(() => kerasConfig(readTopology(top))).message).toMatch(/channels_first/);
  });
});

describe('kerasLayerWeights', () => {
  const top = readTopology(
    topology([
      INPUT,
      layer('bn', 'BatchNormalization', { axis: -1, momentum: 0.99, epsilon: 0.001 }, 'in'),
      layer('bn2', 'BatchNormalization', { axis: -1, momentum: 0.99, epsilon: 0.001 }, 'bn'),
    ]),
  );
  const spec = (name: string) => ({ name, shape: [1], dtype: 'float32' });
  // Stored in tfjs' order: trainable weights first, moving statistics last.
  const specs = [
    ...['bn', 'bn2'].flatMap((l) => ['gamma', 'beta'].map((v) => spec(`${l}/${v}`))),
    ...['bn', 'bn2'].flatMap((l) =>
      ['moving_mean', 'moving_variance'].map((v) => spec(`${l}/${v}`)),
    ),
  ];
  const data = new Uint8Array(Float32Array.from(specs.map((_, i) => i)).buffer);

  it('numbers layers by class and orders variables as Keras creates them', () => {
    const layers = kerasLayerWeights(top, specs, data);
    expect(layers.map((l) => [l.path, l.name])).toEqual([
      ['layers/input_layer', 'in'],
      ['layers/batch_normalization', 'bn'],
      ['layers/batch_normalization_1', 'bn2'],
    ]);
    expect(layers[1]?.vars.map((v) => v.data[0])).toEqual([0, 1, 4, 5]);
    expect(layers[2]?.vars.map((v) => v.data[0])).toEqual([2, 3, 6, 7]);
  });

  it('refuses a missing, extra or non-float32 weight', () => {
    expect(exportError(() => kerasLayerWeights(top, specs.slice(1), data)).message).toMatch(
      /'bn\/gamma' is missing/,
    );
    const extra = [...specs, spec('ghost/kernel')];
    const more = new Uint8Array(new Float32Array(extra.length).buffer);
    expect(exportError(() => kerasLayerWeights(top, extra, more)).message).toMatch(/ghost/);
    const ints = specs.map((s, i) => (i === 0 ? { ...s, dtype: 'int32' } : s));
    expect(exportError(() => kerasLayerWeights(top, ints, data)).message).toMatch(/int32/);
  });
});

describe('zipStored', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('writes local headers, a central directory and its end record', () => {
    const zip = zipStored(
      [
        { name: 'a.json', data: Buffer.from('{}') },
        { name: 'b.bin', data: new Uint8Array([1, 2, 3]) },
      ],
      new Date('2026-01-02T03:04:06Z'),
    );
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    const end = zip.length - 22;
    expect(zip.readUInt32LE(end)).toBe(0x06054b50);
    expect(zip.readUInt16LE(end + 10)).toBe(2);
    const directory = zip.readUInt32LE(end + 16);
    expect(zip.readUInt32LE(directory)).toBe(0x02014b50);
    expect(zip.subarray(30, 36).toString()).toBe('a.json');
    expect(zip.subarray(36, 38).toString()).toBe('{}');
  });
});
