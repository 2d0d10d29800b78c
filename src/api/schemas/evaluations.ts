import { Type } from 'typebox';
import { ID_PATTERN } from '../../store/ids.js';

export const EVALUATION_SPLITS = ['test', 'val', 'train'] as const;

/** One mistake of the model, with the image it was shown. */
export const MisclassifiedSample = Type.Object(
  {
    index: Type.Integer({ description: 'Row of the evaluated set' }),
    label: Type.Integer({ description: 'True class' }),
    predicted: Type.Integer(),
    confidence: Type.Number({ description: 'Probability the model gave `predicted`' }),
    pixels: Type.String({
      description: 'The image: height x width bytes (784 for 28x28), row-major, 0-255, base64',
    }),
  },
  { additionalProperties: false },
);

export const CalibrationError = Type.Number({
  minimum: 0,
  maximum: 1,
  description:
    'Expected calibration error: 15 equal-width bins over the top-class probability; the sum over bins of |accuracy - mean confidence| weighted by the fraction of examples in the bin',
});

export const Misclassified = Type.Array(MisclassifiedSample, {
  maxItems: 24,
  description: 'Up to 24 mistakes, taken round-robin over true classes, in row order',
});

export const ClassMetrics = Type.Object({
  label: Type.Integer(),
  className: Type.Optional(Type.String()),
  precision: Type.Number(),
  recall: Type.Number(),
  f1: Type.Number(),
  support: Type.Integer(),
});

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
    perClass: Type.Array(ClassMetrics),
    macro: Type.Object({ precision: Type.Number(), recall: Type.Number(), f1: Type.Number() }),
    confusion: Type.Array(Type.Array(Type.Integer()), {
      description: 'confusion[true][predicted]',
    }),
    calibrationError: CalibrationError,
    misclassified: Misclassified,
  },
  { title: 'Evaluation', additionalProperties: false },
);
