import { InputError } from './errors.js';
import { DEFAULT_MAX_INSTANCES, pixelScale } from './instances.js';
import { MODEL_INPUT_LENGTH } from './model-input.js';
import { MODEL_IMAGE_SIZE } from './resize.js';

/**
 * The one input tensor of a Fashion-MNIST model as the standard protocols describe it:
 * a batch of 28x28x1 images, FP32 values.
 */
export const INPUT_TENSOR = {
  name: 'images',
  datatype: 'FP32',
  shape: [-1, MODEL_IMAGE_SIZE, MODEL_IMAGE_SIZE, 1],
} as const;

const SIZE = MODEL_IMAGE_SIZE;
const SHAPES = `[N, ${SIZE}, ${SIZE}, 1] or [N, ${MODEL_INPUT_LENGTH}]`;

/** One input tensor of an Open Inference Protocol request, as received (not yet checked). */
export interface RequestTensor {
  name: unknown;
  shape: unknown;
  datatype: unknown;
  data: unknown;
}

/**
 * Model inputs (784 values in [0, 1] each) from an FP32 tensor of shape [N, 28, 28, 1] or
 * [N, 784], its `data` flat in row-major order or nested as the shape says. Values may be in
 * [0, 1] or [0, 255], decided per image as for tailor's own instances (see `pixelScale`).
 * `path` names the tensor in messages, e.g. `inputs[0]`.
 */
export function parseInputTensor(
  tensor: RequestTensor,
  path: string,
  maxInstances = DEFAULT_MAX_INSTANCES,
): Float32Array[] {
  if (tensor.name !== INPUT_TENSOR.name) {
    throw new InputError(
      'INSTANCE_INVALID',
      `unexpected input ${quote(tensor.name)}; this model takes one input named '${INPUT_TENSOR.name}'`,
      { path: `${path}.name` },
    );
  }
  if (tensor.datatype !== INPUT_TENSOR.datatype) {
    throw new InputError(
      'INSTANCE_INVALID',
      `datatype ${quote(tensor.datatype)} is not accepted; send ${INPUT_TENSOR.datatype}`,
      { path: `${path}.datatype` },
    );
  }
  const shape = readShape(tensor.shape, `${path}.shape`, maxInstances);
  const values = flatten(tensor.data, shape, `${path}.data`);
  const count = shape[0] as number;
  return Array.from({ length: count }, (_, i) => toUnitRange(values, i * MODEL_INPUT_LENGTH));
}

/** A shape of one of the accepted layouts, with a batch size of 1 to `maxInstances`. */
function readShape(shape: unknown, path: string, maxInstances: number): number[] {
  const dims = Array.isArray(shape) ? shape : [];
  const valid =
    Array.isArray(shape) &&
    dims.every((d) => Number.isInteger(d)) &&
    ((dims.length === 4 && dims[1] === SIZE && dims[2] === SIZE && dims[3] === 1) ||
      (dims.length === 2 && dims[1] === MODEL_INPUT_LENGTH));
  if (!valid) {
    throw new InputError(
      'INSTANCE_INVALID',
      `shape ${show(shape)} is not accepted; send ${SHAPES}`,
      { path },
    );
  }
  const count = dims[0] as number;
  if (count < 1 || count > maxInstances) {
    throw new InputError(
      'INSTANCE_INVALID',
      `shape ${show(shape)} holds ${count} images; send 1 to ${maxInstances} per request`,
      { path },
    );
  }
  return dims as number[];
}

/**
 * The tensor's values in row-major order: `data` as sent when flat, else walked level by level,
 * each level's length checked against the shape. Each value must be a number in [0, 255].
 */
function flatten(data: unknown, shape: number[], path: string): Float32Array {
  const total = shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(data)) {
    throw new InputError(
      'INSTANCE_INVALID',
      `is ${describe(data)}; expected an array of ${total} numbers (flat, row-major) or arrays nested as the shape ${show(shape)}`,
      { path },
    );
  }
  const values = new Float32Array(total);
  if (data.length > 0 && !Array.isArray(data[0])) {
    if (data.length !== total) {
      throw new InputError(
        'INSTANCE_INVALID',
        `holds ${data.length} values; shape ${show(shape)} needs ${total}`,
        { path },
      );
    }
    data.forEach((value, k) => {
      values[k] = readValue(value, path, k);
    });
    return values;
  }
  let next = 0;
  const walk = (level: unknown, depth: number, at: string) => {
    const dim = shape[depth] as number;
    if (!Array.isArray(level) || level.length !== dim) {
      throw new InputError(
        'INSTANCE_INVALID',
        `is ${describe(level)}; shape ${show(shape)} needs an array of ${dim} here`,
        { path: at },
      );
    }
    if (depth === shape.length - 1) {
      for (const value of level) {
        values[next] = readValue(value, at, next);
        next += 1;
      }
      return;
    }
    level.forEach((inner, i) => {
      walk(inner, depth + 1, `${at}[${i}]`);
    });
  };
  walk(data, 0, path);
  return values;
}

function readValue(value: unknown, path: string, index: number): number {
  if (typeof value !== 'number') {
    throw new InputError(
      'INSTANCE_INVALID',
      `value ${index} is ${describe(value)}; FP32 data must be JSON numbers (NaN and infinities are not accepted)`,
      { path },
    );
  }
  if (!(value >= 0 && value <= 255)) {
    throw new InputError(
      'PIXEL_OUT_OF_RANGE',
      `value ${index} (${value}) is outside [0, 255]; send pixel values in [0, 1] or in [0, 255]`,
      { path },
    );
  }
  return value;
}

/** Image `offset / 784` of the flat values, scaled to [0, 1] by tailor's per-image rule. */
function toUnitRange(values: Float32Array, offset: number): Float32Array {
  const pixels = values.slice(offset, offset + MODEL_INPUT_LENGTH);
  const scale = pixelScale(pixels);
  return scale === 1 ? pixels : pixels.map((value) => value / scale);
}

/** A shape as sent, shortened: the message must not grow with what a client sends. */
function show(shape: unknown): string {
  if (!Array.isArray(shape)) return describe(shape);
  const shown = shape.slice(0, 6).map((d) => (typeof d === 'number' ? String(d) : describe(d)));
  return `[${shown.join(', ')}${shape.length > 6 ? ', ...' : ''}]`;
}

/** A string as JSON, shortened; anything else described. */
function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : describe(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') {
    return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value)}`;
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'number' ? 'the number' : `a ${typeof value}`} ${String(value)}`;
}
