import { Type } from 'typebox';
import { PageQuery, pageOf } from './page.js';

export const ModelVersion = Type.Object(
  {
    id: Type.String(),
    version: Type.Integer(),
    jobId: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    spec: Type.Object({}, { additionalProperties: true }),
    metrics: Type.Record(Type.String(), Type.Number()),
    classNames: Type.Array(Type.String()),
    backend: Type.String(),
    dataset: Type.Optional(Type.String({ description: 'The data set it was trained on' })),
    training: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'Its training options' }),
    ),
    links: Type.Object({ self: Type.String(), predict: Type.String(), job: Type.String() }),
  },
  { title: 'Model' },
);

export const ModelDetail = Type.Intersect(
  [
    ModelVersion,
    Type.Object({ summary: Type.String({ description: "Keras' model.summary() table" }) }),
  ],
  { title: 'ModelDetail' },
);

export const ModelIdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const ListModelsQuery = Type.Object(PageQuery, { additionalProperties: false });

export const ModelList = pageOf(ModelVersion, 'ModelList');
