import { Type } from 'typebox';
import {
  CalibrationErrorSchema,
  ClassMetricsSchema,
  MacroMetricsSchema,
  MisclassifiedSchema,
} from '../../ml/evaluation-schema.js';
import { ID_PATTERN } from '../../store/ids.js';

export const EVALUATION_SPLITS = ['test', 'val', 'train'] as const;

export const EvaluationParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64, description: 'A model id or an alias' }) },
  { additionalProperties: false },
);

export const EvaluationBody = Type.Object(
  {
    dataset: Type.Optional(
      Type.String({
        pattern: ID_PATTERN.source,
        description:
          "'fashion-mnist' or an uploaded data set's id; default: the one the model was trained on, else fashion-mnist",
      }),
    ),
    split: Type.Optional(
      Type.Union(
        EVALUATION_SPLITS.map((s) => Type.Literal(s)),
        { default: 'test', description: 'Split as the training made it' },
      ),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Evaluate a class-balanced subset of at most this many images',
      }),
    ),
  },
  { title: 'EvaluationRequest', additionalProperties: false },
);

export const EvaluationResponse = Type.Object(
  {
    model: Type.Object({ id: Type.String(), version: Type.Integer() }),
    dataset: Type.String(),
    split: Type.Union(EVALUATION_SPLITS.map((s) => Type.Literal(s))),
    splitOptions: Type.Object(
      {
        testPerClass: Type.Optional(Type.Integer()),
        trainSize: Type.Optional(Type.Integer()),
        valSize: Type.Optional(Type.Integer()),
        testSize: Type.Optional(Type.Integer()),
      },
      { description: "The model's training split sizes the data set was split with" },
    ),
    accuracy: Type.Number(),
    count: Type.Integer(),
    perClass: Type.Array(ClassMetricsSchema),
    macro: MacroMetricsSchema,
    confusion: Type.Array(Type.Array(Type.Integer()), {
      description: 'confusion[true][predicted]',
    }),
    calibrationError: CalibrationErrorSchema,
    misclassified: MisclassifiedSchema,
  },
  { title: 'Evaluation', additionalProperties: false },
);
