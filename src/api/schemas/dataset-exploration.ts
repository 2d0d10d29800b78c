import { Type } from 'typebox';
import { SPLIT_NAMES } from '../../exploration/split-stats.js';

/** Sample grids and single images: limits that keep a grid at most a few MB of pixels. */
export const SAMPLE_LIMITS = {
  perClass: { min: 1, max: 20, default: 5 },
  scale: { min: 1, max: 8 },
  gridScale: 2,
  imageScale: 4,
} as const;

const TestPerClass = Type.Integer({
  minimum: 1,
  description:
    "Images per class drawn from the training files as the `test` split, as a training job's `training.testPerClass`; default: training's default (1,000)",
});

// An enum, not a union of literals: a bad value then gets one validation message, not two.
const Split = Type.Enum(SPLIT_NAMES, {
  type: 'string',
  description:
    "The split a training job with default options makes: `train` is the training files less the `test` draw, `val` the data set's test files (Fashion-MNIST's t10k), `test` the images per class drawn from the training files (numpy's seed 27)",
});

const Scale = (fallback: number) =>
  Type.Integer({
    minimum: SAMPLE_LIMITS.scale.min,
    maximum: SAMPLE_LIMITS.scale.max,
    description: `Each image pixel becomes scale x scale pixels; default ${fallback}`,
  });

export const StatsQuery = Type.Object(
  { testPerClass: Type.Optional(TestPerClass) },
  { additionalProperties: false },
);

export const SamplesQuery = Type.Object(
  {
    split: Type.Optional(Split),
    perClass: Type.Optional(
      Type.Integer({
        minimum: SAMPLE_LIMITS.perClass.min,
        maximum: SAMPLE_LIMITS.perClass.max,
        description: `Images per class (grid columns); default ${SAMPLE_LIMITS.perClass.default}`,
      }),
    ),
    scale: Type.Optional(Scale(SAMPLE_LIMITS.gridScale)),
    testPerClass: Type.Optional(TestPerClass),
  },
  { additionalProperties: false },
);

export const ImageParams = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    split: Split,
    // A pattern, not an integer: the integer conversion of params would read `1.5` as 1.
    index: Type.String({
      pattern: '^[0-9]{1,9}$',
      description: 'Position in the split, from 0',
    }),
  },
  { additionalProperties: false },
);

export const ImageQuery = Type.Object(
  {
    scale: Type.Optional(Scale(SAMPLE_LIMITS.imageScale)),
    testPerClass: Type.Optional(TestPerClass),
  },
  { additionalProperties: false },
);

const SplitCounts = Type.Object(
  {
    count: Type.Integer({ minimum: 0 }),
    perClass: Type.Array(
      Type.Object(
        {
          label: Type.Integer({ minimum: 0 }),
          className: Type.String(),
          count: Type.Integer({ minimum: 0 }),
          fraction: Type.Number({ minimum: 0, maximum: 1, description: 'count / split count' }),
        },
        { additionalProperties: false },
      ),
      { description: 'Every label in order, with 0 for a label the split lacks' },
    ),
  },
  { additionalProperties: false },
);

export const DatasetStats = Type.Object(
  {
    id: Type.String(),
    classNames: Type.Array(Type.String(), { description: 'Indexed by label' }),
    splits: Type.Object(
      { train: SplitCounts, val: SplitCounts, test: SplitCounts },
      { additionalProperties: false },
    ),
  },
  { title: 'DatasetStats', additionalProperties: false },
);

/** A PNG answer, for the OpenAPI document; fastify sends the bytes as they are. */
export const PngResponse = (description: string) => ({
  description,
  content: { 'image/png': { schema: Type.String({ format: 'binary' }) } },
});
