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

export const DEFAULT_CONV: readonly ConvBlockSpec[] = [
  { pad: 1, channels: 32, filter: 3, stride: 1, pool: 1, activation: 'relu' },
  { pad: 1, channels: 64, filter: 3, stride: 1, pool: 2, activation: 'relu' },
  { pad: 1, channels: 128, filter: 3, stride: 1, pool: 2, activation: 'relu' },
];

export const DEFAULT_HIDDEN_DENSE: readonly DenseBlockSpec[] = [
  { neurons: 512, activation: 'relu', dropout: DEFAULT_DROPOUT },
  { neurons: 256, activation: 'relu', dropout: DEFAULT_DROPOUT },
];

export function defaultOutputBlock(numClasses: number): DenseBlockSpec {
  return { neurons: numClasses, activation: 'softmax', dropout: DEFAULT_DROPOUT };
}

export function defaultDense(numClasses: number): DenseBlockSpec[] {
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

/**
 * The largest value each field of a spec may take. They sit far above any model this
 * service trains (the seed's widest block has 128 channels, tuning reaches 8,192 neurons
 * and 32,768 channels) and exist so absurd numbers (2^53 channels, 1,000 blocks) are
 * refused before any arithmetic on them; what a model may cost is the budget's business
 * (spec-budget.ts).
 */
export const SPEC_CAPS = {
  convBlocks: 32,
  denseBlocks: 32,
  /** Height and width of the input. */
  imageSide: 4096,
  imageChannels: 64,
  classes: 1000,
  channels: 65536,
  neurons: 65536,
  pad: 256,
  filter: 256,
  stride: 256,
  pool: 256,
} as const;

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
  | 'not_representable'
  | 'too_large';

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
