import Type, { type Static } from 'typebox';
import { mulberry32 } from '../ml/random.js';

/**
 * What a tuning job may vary. Training options map one to one; the architecture is varied
 * the seed's way: `channels` is the first conv block's width (each next block doubles it),
 * `neurons` the first hidden dense block's (each next one halves it), `blocks` the number
 * of conv blocks, `dropout` the rate of every dense block.
 */
export const PARAMETERS = {
  learningRate: { integer: false, min: 1e-6, max: 1 },
  dropout: { integer: false, min: 0, max: 0.9 },
  batchSize: { integer: true, min: 1, max: 4096 },
  epochs: { integer: true, min: 1, max: 1000 },
  channels: { integer: true, min: 1, max: 1024 },
  neurons: { integer: true, min: 1, max: 8192 },
  blocks: { integer: true, min: 1, max: 6 },
} as const;

export type ParameterName = keyof typeof PARAMETERS;
export type TrialParams = Partial<Record<ParameterName, number>>;

const Values = Type.Object(
  { values: Type.Array(Type.Number(), { minItems: 1, maxItems: 50 }) },
  { additionalProperties: false },
);
const Range = Type.Object(
  {
    min: Type.Number(),
    max: Type.Number(),
    scale: Type.Optional(Type.Union([Type.Literal('linear'), Type.Literal('log')])),
  },
  { additionalProperties: false },
);
const Dimension = Type.Union([Values, Range]);

export const SearchSpaceSchema = Type.Object(
  Object.fromEntries(Object.keys(PARAMETERS).map((k) => [k, Type.Optional(Dimension)])),
  { additionalProperties: false, minProperties: 1 },
);

export type Dimension = Static<typeof Dimension>;
export type SearchSpace = Partial<Record<ParameterName, Dimension>>;

export class SearchSpaceError extends Error {
  readonly code = 'INVALID_SEARCH_SPACE';
}

/** Checks every dimension against its parameter's bounds; the message names the field. */
export function checkSpace(space: SearchSpace, search: 'grid' | 'random'): void {
  for (const [name, dim] of Object.entries(space) as [ParameterName, Dimension][]) {
    const { integer, min, max } = PARAMETERS[name];
    const where = `space.${name}`;
    const values = 'values' in dim ? dim.values : [dim.min, dim.max];
    for (const v of values) {
      if (!(v >= min && v <= max) || (integer && !Number.isInteger(v))) {
        const kind = integer ? 'an integer' : 'a number';
        throw new SearchSpaceError(`${where}: ${v} is not ${kind} from ${min} to ${max}`);
      }
    }
    if ('min' in dim && dim.min > dim.max) {
      throw new SearchSpaceError(`${where}: min ${dim.min} is above max ${dim.max}`);
    }
    if ('min' in dim && dim.scale === 'log' && dim.min <= 0) {
      throw new SearchSpaceError(`${where}: a log scale needs min > 0`);
    }
    if ('min' in dim && search === 'grid') {
      throw new SearchSpaceError(`${where}: grid search needs a list of values, not a range`);
    }
  }
}

/** How many points a grid search over `space` has, without listing them. */
export function gridSize(space: SearchSpace): number {
  return listed(space).reduce((n, [, values]) => n * values.length, 1);
}

/**
 * The first `limit` combinations of the listed values, first dimension outermost, in request
 * order. Only those are built: 7 dimensions of 50 values make 781 billion combinations.
 */
export function gridPoints(space: SearchSpace, limit = Number.POSITIVE_INFINITY): TrialParams[] {
  const dims = listed(space);
  const count = Math.min(limit, gridSize(space));
  return Array.from({ length: count }, (_, index) => {
    const point: TrialParams = {};
    let rest = index;
    for (let d = dims.length - 1; d >= 0; d--) {
      const [name, values] = dims[d] as [ParameterName, number[]];
      point[name] = values[rest % values.length] as number;
      rest = Math.floor(rest / values.length);
    }
    // Keys in request order, as the points have always been written.
    return Object.fromEntries(dims.map(([name]) => [name, point[name]])) as TrialParams;
  });
}

function listed(space: SearchSpace): [ParameterName, number[]][] {
  return (Object.entries(space) as [ParameterName, Dimension][]).flatMap(([name, dim]) =>
    'values' in dim ? [[name, dim.values] as [ParameterName, number[]]] : [],
  );
}

/** `count` points drawn with a seeded generator: the same seed gives the same trials. */
export function randomPoints(space: SearchSpace, count: number, seed: number): TrialParams[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const point: TrialParams = {};
    for (const [name, dim] of Object.entries(space) as [ParameterName, Dimension][]) {
      point[name] = draw(dim, PARAMETERS[name].integer, random);
    }
    return point;
  });
}

function draw(dim: Dimension, integer: boolean, random: () => number): number {
  if ('values' in dim) return dim.values[Math.floor(random() * dim.values.length)] as number;
  const u = random();
  const value =
    dim.scale === 'log'
      ? Math.exp(Math.log(dim.min) + u * (Math.log(dim.max) - Math.log(dim.min)))
      : dim.min + u * (dim.max - dim.min);
  if (integer) return Math.min(dim.max, Math.max(dim.min, Math.round(value)));
  return Number(value.toPrecision(4));
}

/** Parameters whose larger values make a larger model or batch; the others cost the same. */
const SIZES = ['channels', 'neurons', 'batchSize'] as const;

/**
 * The points of a space that cost the most, to check a search before any trial runs: every
 * size at its largest value, with each number of conv blocks the space allows (more blocks
 * are not always larger: each pools the map the dense blocks then see).
 */
export function largestPoints(space: SearchSpace): TrialParams[] {
  const largest: TrialParams = {};
  for (const name of SIZES) {
    const dim = space[name];
    if (dim) largest[name] = 'values' in dim ? Math.max(...dim.values) : dim.max;
  }
  const blocks = space.blocks;
  if (!blocks) return [largest];
  const counts =
    'values' in blocks
      ? [...new Set(blocks.values)]
      : Array.from({ length: blocks.max - blocks.min + 1 }, (_, i) => blocks.min + i);
  return counts.map((count) => ({ ...largest, blocks: count }));
}
