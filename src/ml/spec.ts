/**
 * The model architecture as JSON: the notebook's per-block dictionaries, typed,
 * defaulted and validated before any layer is built, so a bad spec fails with a
 * message that names the offending field instead of a tfjs shape error.
 */

/** Activations allowed in a spec: names that tfjs-layers and Keras 2.x both accept. */
export const ACTIVATIONS = [
  'relu',
  'relu6',
  'elu',
  'selu',
  'tanh',
  'sigmoid',
  'softplus',
  'softsign',
  'swish',
  'linear',
  'softmax',
] as const;

export type ActivationName = (typeof ACTIVATIONS)[number];

/** Height, width, channels (channels last, as Keras on TensorFlow). */
export type FeatureMapShape = readonly [height: number, width: number, channels: number];

/** ZeroPadding2D(pad) -> Conv2D(channels, filter x filter, stride, valid) -> BN -> activation -> MaxPooling2D(pool). */
export interface ConvBlockSpec {
  readonly pad: number;
  readonly channels: number;
  readonly filter: number;
  readonly stride: number;
  readonly pool: number;
  readonly activation: ActivationName;
}

/** BN -> Dropout(dropout) -> Dense(neurons, activation). */
export interface DenseBlockSpec {
  readonly neurons: number;
  readonly activation: ActivationName;
  readonly dropout: number;
}

export interface ModelSpec {
  readonly inputShape: FeatureMapShape;
  readonly numClasses: number;
  readonly conv: readonly ConvBlockSpec[];
  readonly dense: readonly DenseBlockSpec[];
}

/**
 * Dropout rate of every fc block unless a spec says otherwise. The notebook's
 * model class takes one `drop_rate` for all fc Dropout layers and defaults it to
 * 0.0, and its only training run is labelled "with no dropout": the figures we
 * reproduce (val_acc 0.8599 after one epoch) come from rate 0. The Dropout
 * layers stay in the graph at rate 0, as in Keras and in the seed's summary
 * table, so tuning can switch them on per block (0.5 on fc inputs is the
 * common starting point).
 */
export const DEFAULT_DROPOUT = 0;

const DEFAULT_CONV: readonly ConvBlockSpec[] = [
  { pad: 1, channels: 32, filter: 3, stride: 1, pool: 1, activation: 'relu' },
  { pad: 1, channels: 64, filter: 3, stride: 1, pool: 2, activation: 'relu' },
  { pad: 1, channels: 128, filter: 3, stride: 1, pool: 2, activation: 'relu' },
];

const DEFAULT_HIDDEN_DENSE: readonly DenseBlockSpec[] = [
  { neurons: 512, activation: 'relu', dropout: DEFAULT_DROPOUT },
  { neurons: 256, activation: 'relu', dropout: DEFAULT_DROPOUT },
];

function defaultOutputBlock(numClasses: number): DenseBlockSpec {
  return { neurons: numClasses, activation: 'softmax', dropout: DEFAULT_DROPOUT };
}

function defaultDense(numClasses: number): DenseBlockSpec[] {
  return [...DEFAULT_HIDDEN_DENSE, defaultOutputBlock(numClasses)];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The seed notebook's default architecture (3 conv blocks, 512-256-10 fc blocks). */
export const DEFAULT_SPEC: ModelSpec = deepFreeze({
  inputShape: [28, 28, 1] as const,
  numClasses: 10,
  conv: DEFAULT_CONV.map((block) => ({ ...block })),
  dense: defaultDense(10),
});

export type SpecErrorCode =
  | 'not_object'
  | 'not_array'
  | 'unknown_key'
  | 'not_integer'
  | 'not_positive'
  | 'negative'
  | 'not_number'
  | 'out_of_range'
  | 'unknown_activation'
  | 'bad_input_shape'
  | 'no_dense_blocks'
  | 'filter_too_large'
  | 'pool_too_large'
  | 'output_size_mismatch'
  | 'output_not_softmax'
  | 'not_representable';

export class SpecError extends Error {
  override readonly name = 'SpecError';
  readonly code: SpecErrorCode;
  /** Path of the offending value, e.g. `conv[2].pool`; empty for the spec itself. */
  readonly field: string;
  /** The message without the leading field path. */
  readonly detail: string;

  constructor(code: SpecErrorCode, field: string, detail: string) {
    super(`${field || 'spec'}: ${detail}`);
    this.code = code;
    this.field = field;
    this.detail = detail;
  }
}

export interface ConvBlockShapes {
  readonly input: FeatureMapShape;
  readonly padded: FeatureMapShape;
  readonly conv: FeatureMapShape;
  /** After max pooling: the block's output. */
  readonly output: FeatureMapShape;
}

/**
 * Shapes through each conv block (Keras 'valid' convolution and pooling, pool
 * strides equal to the pool size). Sizes can reach zero or below for specs that
 * parseSpec would reject; that is how it detects them.
 */
export function convBlockShapes(
  inputShape: FeatureMapShape,
  conv: readonly ConvBlockSpec[],
): ConvBlockShapes[] {
  const shapes: ConvBlockShapes[] = [];
  let input = inputShape;
  for (const block of conv) {
    const [height, width, channels] = input;
    const padded = [height + 2 * block.pad, width + 2 * block.pad, channels] as const;
    const convolved = [
      Math.floor((padded[0] - block.filter) / block.stride) + 1,
      Math.floor((padded[1] - block.filter) / block.stride) + 1,
      block.channels,
    ] as const;
    const output = [
      Math.floor(convolved[0] / block.pool),
      Math.floor(convolved[1] / block.pool),
      block.channels,
    ] as const;
    shapes.push({ input, padded, conv: convolved, output });
    input = output;
  }
  return shapes;
}

/** Number of features the Flatten layer hands to the first dense block. */
export function flattenedSize(spec: Pick<ModelSpec, 'inputShape' | 'conv'>): number {
  const last = convBlockShapes(spec.inputShape, spec.conv).at(-1)?.output ?? spec.inputShape;
  return last[0] * last[1] * last[2];
}

const SPEC_KEYS = ['inputShape', 'numClasses', 'conv', 'dense'] as const;
const CONV_KEYS = ['pad', 'channels', 'filter', 'stride', 'pool', 'activation'] as const;
const DENSE_KEYS = ['neurons', 'activation', 'dropout'] as const;

type JsonObject = Record<string, unknown>;

/** JSON has no undefined, so only a missing key means "use the default"; null is checked like any value. */
function valueOr(object: JsonObject, key: string, fallback: unknown): unknown {
  return object[key] === undefined ? fallback : object[key];
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function expectObject(value: unknown, field: string): JsonObject {
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

function rejectUnknownKeys(object: JsonObject, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      const path = field ? `${field}.${key}` : key;
      throw new SpecError('unknown_key', path, `unknown key; allowed keys: ${allowed.join(', ')}`);
    }
  }
}

/** An integer >= min (1 for sizes and counts, 0 for padding). */
function readInteger(value: unknown, field: string, min: 0 | 1): number {
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
  return value;
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
  return [value[0], value[1], value[2]];
}

function readNumClasses(value: unknown): number {
  const count = readInteger(value, 'numClasses', 1);
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
    pad: readInteger(pick('pad'), `${field}.pad`, 0),
    channels: readInteger(pick('channels'), `${field}.channels`, 1),
    filter: readInteger(pick('filter'), `${field}.filter`, 1),
    stride: readInteger(pick('stride'), `${field}.stride`, 1),
    pool: readInteger(pick('pool'), `${field}.pool`, 1),
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
    neurons: readInteger(pick('neurons'), `${field}.neurons`, 1),
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
  const conv = expectArray(valueOr(spec, 'conv', DEFAULT_CONV), 'conv').map(readConvBlock);
  const denseJson = expectArray(valueOr(spec, 'dense', defaultDense(numClasses)), 'dense');
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
export type SeedBlockDict = Record<string, number | string>;

/**
 * The notebook's architecture arguments, `FashionMNISTCNN(input_shape,
 * conv_params, fc_params, drop_rate)`, in its exact dictionary form so that
 * printed notebook dicts can be pasted as they are.
 */
export interface SeedDicts {
  readonly conv_params: Record<string, SeedBlockDict>;
  readonly fc_params: Record<string, SeedBlockDict>;
  readonly drop_rate: number;
}

const SEED_KEYS = ['conv_params', 'fc_params', 'drop_rate'] as const;
const SEED_FC_KEYS = ['neurons', 'activation'] as const;

function toSeedBlocks<Block extends object>(
  prefix: string,
  blocks: readonly Block[],
  keys: readonly (keyof Block & string)[],
): Record<string, SeedBlockDict> {
  return Object.fromEntries(
    blocks.map((block, index) => {
      const name = `${prefix}${index}`;
      const entries = keys.map((key) => [`${name}_${key}`, block[key] as number | string]);
      return [name, Object.fromEntries(entries)];
    }),
  );
}

/** The notebook has one drop_rate for all fc blocks, so per-block rates must agree. */
export function specToSeedDicts(spec: ModelSpec): SeedDicts {
  const dropRate = spec.dense[0]?.dropout ?? DEFAULT_DROPOUT;
  spec.dense.forEach((block, index) => {
    if (block.dropout !== dropRate) {
      throw new SpecError(
        'not_representable',
        `dense[${index}].dropout`,
        `the notebook form has one drop_rate for every fc block, but dense[0] uses ` +
          `${dropRate} and dense[${index}] uses ${block.dropout}`,
      );
    }
  });
  return {
    conv_params: toSeedBlocks('conv', spec.conv, CONV_KEYS),
    fc_params: toSeedBlocks('fc', spec.dense, SEED_FC_KEYS),
    drop_rate: dropRate,
  };
}

function fromSeedBlocks(
  value: unknown,
  field: string,
  prefix: string,
  keys: readonly string[],
): JsonObject[] {
  const blocks = expectObject(value, field);
  const names = Object.keys(blocks).map((_, index) => `${prefix}${index}`);
  rejectUnknownKeys(blocks, names, field);
  return names.map((name) => {
    const blockField = `${field}.${name}`;
    const block = expectObject(blocks[name], blockField);
    const seedKeys = keys.map((key) => `${name}_${key}`);
    rejectUnknownKeys(block, seedKeys, blockField);
    return Object.fromEntries(
      keys.flatMap((key) => {
        const entry = block[`${name}_${key}`];
        return entry === undefined ? [] : [[key, entry]];
      }),
    );
  });
}

/** Maps a spec path such as `conv[1].pool` back to the dict path `conv_params.conv1.conv1_pool`. */
function toSeedField(field: string): string {
  if (field === 'dense') return 'fc_params';
  const match = /^(conv|dense)\[(\d+)\]\.(\w+)$/.exec(field);
  if (!match) return field;
  const [, list, index, key] = match;
  if (key === 'dropout') return 'drop_rate';
  const [dict, prefix] = list === 'conv' ? ['conv_params', 'conv'] : ['fc_params', 'fc'];
  return `${dict}.${prefix}${index}.${prefix}${index}_${key}`;
}

/**
 * Builds a spec from the notebook's dicts. Omitted dicts and omitted block
 * entries take the defaults, as in parseSpec; the dicts carry neither the
 * input shape nor the class count, so those come from `context` or the
 * defaults. Errors name the dict path, e.g. `conv_params.conv1.conv1_pool`.
 */
export function seedDictsToSpec(
  dicts: unknown,
  context: { readonly inputShape?: FeatureMapShape; readonly numClasses?: number } = {},
): ModelSpec {
  const object = expectObject(dicts, '');
  rejectUnknownKeys(object, SEED_KEYS, '');
  const json: JsonObject = { inputShape: context.inputShape, numClasses: context.numClasses };
  if (object.conv_params !== undefined) {
    json.conv = fromSeedBlocks(object.conv_params, 'conv_params', 'conv', CONV_KEYS);
  }
  // Empty blocks take the defaults of their position, which gives the seed's fc layers.
  const dense =
    object.fc_params === undefined
      ? DEFAULT_SPEC.dense.map((): JsonObject => ({}))
      : fromSeedBlocks(object.fc_params, 'fc_params', 'fc', SEED_FC_KEYS);
  const dropRate = object.drop_rate;
  json.dense =
    dropRate === undefined ? dense : dense.map((block) => ({ ...block, dropout: dropRate }));
  try {
    return parseSpec(json);
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    throw new SpecError(error.code, toSeedField(error.field), error.detail);
  }
}
