import {
  ACTIVATIONS,
  type ActivationName,
  type ConvBlockSpec,
  convBlockShapes,
  DEFAULT_CONV,
  DEFAULT_HIDDEN_DENSE,
  DEFAULT_SPEC,
  type DenseBlockSpec,
  defaultDense,
  defaultOutputBlock,
  type FeatureMapShape,
  type ModelSpec,
  SPEC_CAPS,
  SpecError,
} from './spec.js';

/** Parsing and validation of a spec from JSON (defaults filled, every field checked). */

const SPEC_KEYS = ['inputShape', 'numClasses', 'conv', 'dense'] as const;
export const CONV_KEYS = ['pad', 'channels', 'filter', 'stride', 'pool', 'activation'] as const;
const DENSE_KEYS = ['neurons', 'activation', 'dropout'] as const;

export type JsonObject = Record<string, unknown>;

/** JSON has no undefined, so only a missing key means "use the default"; null is checked like any value. */
function valueOr(object: JsonObject, key: string, fallback: unknown): unknown {
  return object[key] === undefined ? fallback : object[key];
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

export function expectObject(value: unknown, field: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SpecError('not_object', field, `must be a JSON object, got ${describe(value)}`);
  }
  return value as JsonObject;
}

function expectArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new SpecError('not_array', field, `must be an array, got ${describe(value)}`);
  }
  return value;
}

export function rejectUnknownKeys(
  object: JsonObject,
  allowed: readonly string[],
  field: string,
): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      const path = field ? `${field}.${key}` : key;
      throw new SpecError('unknown_key', path, `unknown key; allowed keys: ${allowed.join(', ')}`);
    }
  }
}

/** An integer from min (1 for sizes and counts, 0 for padding) to max. */
function readInteger(value: unknown, field: string, min: 0 | 1, max: number): number {
  const allowed = min === 1 ? 'a positive integer' : 'an integer >= 0';
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new SpecError('not_integer', field, `must be ${allowed}, got ${describe(value)}`);
  }
  if (value < min) {
    throw new SpecError(
      min === 1 ? 'not_positive' : 'negative',
      field,
      `must be ${allowed}, got ${value}`,
    );
  }
  if (value > max) {
    throw new SpecError('too_large', field, `must be at most ${max}, got ${value}`);
  }
  return value;
}

/** A list of blocks, refused by its length before any block is read. */
function readBlocks(value: unknown, field: string, max: number): unknown[] {
  const blocks = expectArray(value, field);
  if (blocks.length > max) {
    throw new SpecError('too_large', field, `at most ${max} blocks, got ${blocks.length}`);
  }
  return blocks;
}

function readActivation(value: unknown, field: string): ActivationName {
  if (typeof value !== 'string' || !(ACTIVATIONS as readonly string[]).includes(value)) {
    throw new SpecError(
      'unknown_activation',
      field,
      `unknown activation ${describe(value)}; allowed: ${ACTIVATIONS.join(', ')}`,
    );
  }
  return value as ActivationName;
}

function readDropout(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new SpecError('not_number', field, `must be a number in [0, 1), got ${describe(value)}`);
  }
  if (value < 0 || value >= 1) {
    throw new SpecError('out_of_range', field, `must be a number in [0, 1), got ${value}`);
  }
  return value;
}

function readInputShape(value: unknown): FeatureMapShape {
  const field = 'inputShape';
  const allowed = 'must be [height, width, channels], 3 positive integers';
  if (
    !Array.isArray(value) ||
    value.length !== 3 ||
    !value.every((size) => typeof size === 'number' && Number.isInteger(size) && size > 0)
  ) {
    throw new SpecError('bad_input_shape', field, `${allowed}, got ${describe(value)}`);
  }
  const { imageSide, imageChannels } = SPEC_CAPS;
  if (value[0] > imageSide || value[1] > imageSide || value[2] > imageChannels) {
    throw new SpecError(
      'too_large',
      field,
      `height and width must be at most ${imageSide} and channels at most ${imageChannels}, got ${describe(value)}`,
    );
  }
  return [value[0], value[1], value[2]];
}

function readNumClasses(value: unknown): number {
  const count = readInteger(value, 'numClasses', 1, SPEC_CAPS.classes);
  if (count < 2) {
    throw new SpecError('out_of_range', 'numClasses', `must be an integer >= 2, got ${count}`);
  }
  return count;
}

function readConvBlock(value: unknown, index: number): ConvBlockSpec {
  const field = `conv[${index}]`;
  const block = expectObject(value, field);
  rejectUnknownKeys(block, CONV_KEYS, field);
  // Omitted fields follow the seed block at the same position, or the last one.
  const fallback = DEFAULT_CONV[Math.min(index, DEFAULT_CONV.length - 1)] as ConvBlockSpec;
  const pick = (key: keyof ConvBlockSpec): unknown => valueOr(block, key, fallback[key]);
  return {
    pad: readInteger(pick('pad'), `${field}.pad`, 0, SPEC_CAPS.pad),
    channels: readInteger(pick('channels'), `${field}.channels`, 1, SPEC_CAPS.channels),
    filter: readInteger(pick('filter'), `${field}.filter`, 1, SPEC_CAPS.filter),
    stride: readInteger(pick('stride'), `${field}.stride`, 1, SPEC_CAPS.stride),
    pool: readInteger(pick('pool'), `${field}.pool`, 1, SPEC_CAPS.pool),
    activation: readActivation(pick('activation'), `${field}.activation`),
  };
}

function readDenseBlock(
  value: unknown,
  index: number,
  count: number,
  numClasses: number,
): DenseBlockSpec {
  const field = `dense[${index}]`;
  const block = expectObject(value, field);
  rejectUnknownKeys(block, DENSE_KEYS, field);
  // Omitted fields of the last block make it the softmax classifier; hidden
  // blocks follow the seed's hidden block at the same position, or the last one.
  const fallback =
    index === count - 1
      ? defaultOutputBlock(numClasses)
      : (DEFAULT_HIDDEN_DENSE[Math.min(index, DEFAULT_HIDDEN_DENSE.length - 1)] as DenseBlockSpec);
  const pick = (key: keyof DenseBlockSpec): unknown => valueOr(block, key, fallback[key]);
  return {
    neurons: readInteger(pick('neurons'), `${field}.neurons`, 1, SPEC_CAPS.neurons),
    activation: readActivation(pick('activation'), `${field}.activation`),
    dropout: readDropout(pick('dropout'), `${field}.dropout`),
  };
}

function checkConvGeometry(inputShape: FeatureMapShape, conv: readonly ConvBlockSpec[]): void {
  convBlockShapes(inputShape, conv).forEach((shapes, index) => {
    const block = conv[index] as ConvBlockSpec;
    const [inHeight, inWidth] = shapes.input;
    const [paddedHeight, paddedWidth] = shapes.padded;
    if (block.filter > paddedHeight || block.filter > paddedWidth) {
      throw new SpecError(
        'filter_too_large',
        `conv[${index}].filter`,
        `filter ${block.filter} is larger than the ${paddedHeight}x${paddedWidth} padded input ` +
          `(${inHeight}x${inWidth} plus pad ${block.pad} on each side); ` +
          `allowed: at most ${Math.min(paddedHeight, paddedWidth)}`,
      );
    }
    const [convHeight, convWidth] = shapes.conv;
    const [outHeight, outWidth] = shapes.output;
    if (outHeight < 1 || outWidth < 1) {
      throw new SpecError(
        'pool_too_large',
        `conv[${index}].pool`,
        `pool ${block.pool} shrinks the ${convHeight}x${convWidth} feature map to ` +
          `${outHeight}x${outWidth}; allowed: at most ${Math.min(convHeight, convWidth)} ` +
          'so the map stays at least 1x1',
      );
    }
  });
}

function checkOutputBlock(dense: readonly DenseBlockSpec[], numClasses: number): void {
  const index = dense.length - 1;
  const last = dense[index] as DenseBlockSpec;
  if (last.neurons !== numClasses) {
    throw new SpecError(
      'output_size_mismatch',
      `dense[${index}].neurons`,
      `the last dense block is the classifier and must have numClasses (${numClasses}) ` +
        `neurons, got ${last.neurons}`,
    );
  }
  if (last.activation !== 'softmax') {
    throw new SpecError(
      'output_not_softmax',
      `dense[${index}].activation`,
      `the last dense block must use softmax, got "${last.activation}": the loss is ` +
        'categorical cross-entropy on class probabilities, so the outputs must sum to 1',
    );
  }
}

/**
 * Validates a spec given as JSON and fills omitted fields: omitted top-level
 * keys take DEFAULT_SPEC's values (the default dense blocks end in numClasses
 * neurons), omitted block fields take the seed block's at the same position.
 * Throws SpecError on the first problem found.
 */
export function parseSpec(json: unknown): ModelSpec {
  const spec = expectObject(json, '');
  rejectUnknownKeys(spec, SPEC_KEYS, '');
  const inputShape = readInputShape(valueOr(spec, 'inputShape', DEFAULT_SPEC.inputShape));
  const numClasses = readNumClasses(valueOr(spec, 'numClasses', DEFAULT_SPEC.numClasses));
  const conv = readBlocks(valueOr(spec, 'conv', DEFAULT_CONV), 'conv', SPEC_CAPS.convBlocks).map(
    readConvBlock,
  );
  const denseJson = readBlocks(
    valueOr(spec, 'dense', defaultDense(numClasses)),
    'dense',
    SPEC_CAPS.denseBlocks,
  );
  if (denseJson.length === 0) {
    throw new SpecError(
      'no_dense_blocks',
      'dense',
      'needs at least one block: the last dense block is the softmax classifier',
    );
  }
  const dense = denseJson.map((block, index) =>
    readDenseBlock(block, index, denseJson.length, numClasses),
  );
  checkConvGeometry(inputShape, conv);
  checkOutputBlock(dense, numClasses);
  return { inputShape, numClasses, conv, dense };
}

/** One block of the notebook's architecture dictionaries, e.g. `{conv0_pad: 1, conv0_channels: 32, ...}`. */
