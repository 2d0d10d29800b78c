import { Type } from 'typebox';
import { PageQuery, pageOf } from './page.js';

/** Limits of a data set upload: Fashion-MNIST's largest file is 47 MB as IDX, 133 MB as CSV. */
export const DATASET_UPLOAD_LIMITS = {
  fileSize: 200 * 1024 * 1024,
  files: 4,
  /** Only `name` is read; a few more are tolerated by busboy before it refuses the form. */
  fields: 4,
} as const;

const SetStats = Type.Object(
  {
    count: Type.Integer({ minimum: 0 }),
    perClass: Type.Array(Type.Integer({ minimum: 0 }), { description: 'Images per label' }),
  },
  { additionalProperties: false },
);

export const Dataset = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    format: Type.Union([Type.Literal('fashion-mnist'), Type.Literal('csv'), Type.Literal('idx')]),
    builtIn: Type.Boolean(),
    available: Type.Boolean({
      description: 'Whether training can use it now (the built-in set may not be on disk)',
    }),
    createdAt: Type.Optional(Type.String({ format: 'date-time' })),
    train: Type.Optional(SetStats),
    test: Type.Optional(SetStats),
    height: Type.Optional(Type.Integer()),
    width: Type.Optional(Type.Integer()),
    classes: Type.Optional(Type.Integer()),
    links: Type.Object({ self: Type.String() }, { additionalProperties: false }),
  },
  { title: 'Dataset', additionalProperties: false },
);

export const ListDatasetsQuery = Type.Object(PageQuery, { additionalProperties: false });

/** The built-in set, then uploads newest first. */
export const DatasetList = pageOf(Dataset, 'DatasetList');

export const DatasetIdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

const upload = (what: string) =>
  Type.String({
    format: 'binary',
    description: `${what}, gzipped or not, at most ${DATASET_UPLOAD_LIMITS.fileSize / 1024 / 1024} MB`,
  });

/** Documentation only: the form is streamed part by part in the handler, never validated. */
export const DatasetForm = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200, description: 'Default: the id' })),
    train: Type.Optional(upload('Kaggle CSV (`label,pixel1,...`) training images')),
    test: Type.Optional(upload('Kaggle CSV test images')),
    trainImages: Type.Optional(upload('IDX training images')),
    trainLabels: Type.Optional(upload('IDX training labels')),
    testImages: Type.Optional(upload('IDX test images')),
    testLabels: Type.Optional(upload('IDX test labels')),
  },
  {
    description:
      'Either `train` and `test` (CSV) or `trainImages`, `trainLabels`, `testImages` and `testLabels` (IDX)',
  },
);

export const MULTIPART = 'multipart/form-data';

export const DatasetBody = { content: { [MULTIPART]: { schema: DatasetForm } } };
