import { Type } from 'typebox';
import { CALIBRATION_BINS } from './calibration.js';
import { MISCLASSIFIED_LIMIT } from './misclassified.js';

/**
 * The parts of an evaluation (evaluate.ts) as TypeBox schemas: a training job's test
 * metrics and a model's evaluation answer with them.
 */

export const ClassMetricsSchema = Type.Object({
  label: Type.Integer(),
  className: Type.Optional(Type.String()),
  precision: Type.Number(),
  recall: Type.Number(),
  f1: Type.Number(),
  support: Type.Integer(),
});

export const MacroMetricsSchema = Type.Object({
  precision: Type.Number(),
  recall: Type.Number(),
  f1: Type.Number(),
});

export const CalibrationErrorSchema = Type.Number({
  minimum: 0,
  maximum: 1,
  description: `Expected calibration error: ${CALIBRATION_BINS} equal-width bins over the top-class probability; the sum over bins of |accuracy - mean confidence| weighted by the fraction of examples in the bin`,
});

/** One mistake of the model, with the image it was shown. */
export const MisclassifiedSampleSchema = Type.Object(
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

export const MisclassifiedSchema = Type.Array(MisclassifiedSampleSchema, {
  maxItems: MISCLASSIFIED_LIMIT,
  description: `Up to ${MISCLASSIFIED_LIMIT} mistakes, taken round-robin over true classes, in row order`,
});
