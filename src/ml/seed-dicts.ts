import {
  DEFAULT_DROPOUT,
  DEFAULT_SPEC,
  type FeatureMapShape,
  type ModelSpec,
  SpecError,
} from './spec.js';
import {
  CONV_KEYS,
  expectObject,
  type JsonObject,
  parseSpec,
  rejectUnknownKeys,
} from './spec-parse.js';

/** The notebook's own dictionary form of a spec, both ways. */

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
