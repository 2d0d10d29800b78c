import Type from 'typebox';
import { mulberry32 } from '../ml/random.js';
import {
  CATEGORICAL_PARAMETERS,
  type CategoricalName,
  type Choice,
  isCategorical,
  NUMERIC_PARAMETERS,
  type NumericName,
  PARAMETER_NAMES,
  type ParameterName,
  type TrialParams,
} from './parameters.js';

const Range = Type.Object(
  {
    min: Type.Number(),
    max: Type.Number(),
    scale: Type.Optional(Type.Union([Type.Literal('linear'), Type.Literal('log')])),
  },
  { additionalProperties: false },
);
const list = <T extends Parameters<typeof Type.Array>[0]>(item: T, description?: string) =>
  Type.Object(
    { values: Type.Array(item, { minItems: 1, maxItems: 50 }) },
    { additionalProperties: false, ...(description ? { description } : {}) },
  );

/**
 * A categorical dimension's items are typed by the schema but their names are checked by
 * checkSpace, whose message names the field and the choices; a schema enum would answer
 * "must be equal to constant" once per choice.
 */
function categorical(name: CategoricalName) {
  const choices: readonly (string | boolean)[] = CATEGORICAL_PARAMETERS[name];
  const item = typeof choices[0] === 'boolean' ? Type.Boolean() : Type.String();
  return list(item, `A list of values only, each one of: ${choices.join(', ')}`);
}

export const SearchSpaceSchema = Type.Object(
  Object.fromEntries(
    PARAMETER_NAMES.map((name) => [
      name,
      Type.Optional(
        isCategorical(name) ? categorical(name) : Type.Union([list(Type.Number()), Range]),
      ),
    ]),
  ),
  { additionalProperties: false, minProperties: 1 },
);

export interface NumericRange {
  min: number;
  max: number;
  scale?: 'linear' | 'log';
}
export type NumericDimension = { values: number[] } | NumericRange;
/** A space checkSpace has passed: every value in its parameter's bounds or choices. */
export type SearchSpace = { [N in NumericName]?: NumericDimension } & {
  [N in CategoricalName]?: { values: Choice<N>[] };
};
/** A space as the request schema admits it, before checkSpace. */
export type RequestSpace = Partial<
  Record<string, { values: readonly (number | string | boolean)[] } | NumericRange>
>;
type Value = number | string | boolean;
type Dimension = { values: readonly Value[] } | NumericRange;

export class SearchSpaceError extends Error {
  readonly code = 'INVALID_SEARCH_SPACE';
}

/**
 * Checks every dimension against its parameter's bounds or choices, and returns the space
 * typed as checked. The message names the field.
 */
export function checkSpace(space: RequestSpace, search: 'grid' | 'random'): SearchSpace {
  for (const [name, dim] of dimensions(space)) {
    const where = `space.${name}`;
    // A repeated value would repeat grid trials exactly (they share the seed).
    if (search === 'grid' && 'values' in dim) {
      const again = dim.values.findIndex((v, i) => dim.values.indexOf(v) !== i);
      if (again >= 0) {
        throw new SearchSpaceError(`${where}: ${quoted(dim.values[again])} is listed twice`);
      }
    }
    if (isCategorical(name)) {
      const choices: readonly Value[] = CATEGORICAL_PARAMETERS[name];
      if (!('values' in dim)) throw new SearchSpaceError(`${where}: takes a list of values only`);
      for (const v of dim.values) {
        if (!choices.includes(v)) {
          throw new SearchSpaceError(`${where}: ${quoted(v)} is not one of ${choices.join(', ')}`);
        }
      }
      continue;
    }
    const { integer, min, max } = NUMERIC_PARAMETERS[name];
    const aboveMin = 'aboveMin' in NUMERIC_PARAMETERS[name];
    const values = 'values' in dim ? dim.values : [dim.min, dim.max];
    for (const v of values) {
      const inBounds = typeof v === 'number' && (aboveMin ? v > min : v >= min) && v <= max;
      if (!inBounds || (integer && !Number.isInteger(v))) {
        const kind = integer ? 'an integer' : 'a number';
        const from = aboveMin ? `above ${min} up` : `from ${min}`;
        throw new SearchSpaceError(`${where}: ${quoted(v)} is not ${kind} ${from} to ${max}`);
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
  return space as SearchSpace;
}

function quoted(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** How many points a grid search over `space` has, without listing them. */
export function gridSize(space: SearchSpace | RequestSpace): number {
  return listed(space).reduce((n, [, values]) => n * values.length, 1);
}

/**
 * The grid point at `index`: the combinations of the listed values, first dimension
 * outermost, in request order. Points are built one at a time: 7 dimensions of 50 values
 * make 781 billion combinations.
 */
export function gridPoint(space: SearchSpace, index: number): TrialParams {
  const dims = listed(space);
  const point: Partial<Record<ParameterName, Value>> = {};
  let rest = index;
  for (let d = dims.length - 1; d >= 0; d--) {
    const [name, values] = dims[d] as [ParameterName, readonly Value[]];
    point[name] = values[rest % values.length] as Value;
    rest = Math.floor(rest / values.length);
  }
  // Keys in request order, as the points have always been written.
  return Object.fromEntries(dims.map(([name]) => [name, point[name]])) as TrialParams;
}

/** The first `limit` grid points (see gridPoint). */
export function gridPoints(space: SearchSpace, limit = Number.POSITIVE_INFINITY): TrialParams[] {
  const count = Math.min(limit, gridSize(space));
  return Array.from({ length: count }, (_, index) => gridPoint(space, index));
}

function dimensions(space: SearchSpace | RequestSpace): [ParameterName, Dimension][] {
  return Object.entries(space).filter(([, dim]) => dim !== undefined) as [
    ParameterName,
    Dimension,
  ][];
}

function listed(space: SearchSpace | RequestSpace): [ParameterName, readonly Value[]][] {
  return dimensions(space).flatMap(([name, dim]) =>
    'values' in dim ? [[name, dim.values] as [ParameterName, readonly Value[]]] : [],
  );
}

/** `count` points drawn with a seeded generator: the same seed gives the same trials. */
export function randomPoints(space: SearchSpace, count: number, seed: number): TrialParams[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const point: Partial<Record<ParameterName, Value>> = {};
    for (const [name, dim] of dimensions(space)) {
      point[name] =
        'values' in dim
          ? (dim.values[Math.floor(random() * dim.values.length)] as Value)
          : draw(dim, NUMERIC_PARAMETERS[name as NumericName].integer, random);
    }
    return point as TrialParams;
  });
}

function draw(dim: NumericRange, integer: boolean, random: () => number): number {
  const u = random();
  const value =
    dim.scale === 'log'
      ? Math.exp(Math.log(dim.min) + u * (Math.log(dim.max) - Math.log(dim.min)))
      : dim.min + u * (dim.max - dim.min);
  const rounded = integer ? Math.round(value) : Number(value.toPrecision(4));
  // Rounding must not step outside the range (nor its parameter's bounds with it).
  return Math.min(dim.max, Math.max(dim.min, rounded));
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
