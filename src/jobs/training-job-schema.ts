import Type, { type Static, type TSchema } from 'typebox';
import {
  CalibrationErrorSchema,
  ClassMetricsSchema,
  MacroMetricsSchema,
  MisclassifiedSchema,
} from '../ml/evaluation-schema.js';
import type { ModelSpec } from '../ml/spec.js';
import { TrainingJobStatusSchema } from './job-status.js';
import { LifecycleStateSchema, TransitionSchema } from './lifecycle.js';
import { EpochMetricsSchema, TrainingProgressSchema } from './progress.js';
import type { TrainingOptions } from './training-job.js';

/** The held-out test set's evaluation, as a completed job records it. */
const TestMetricsSchema = Type.Object({
  accuracy: Type.Number(),
  count: Type.Integer(),
  perClass: Type.Array(ClassMetricsSchema),
  macro: MacroMetricsSchema,
  confusion: Type.Array(Type.Array(Type.Integer())),
  // Optional: jobs that completed before these were computed lack them.
  calibrationError: Type.Optional(CalibrationErrorSchema),
  misclassified: Type.Optional(MisclassifiedSchema),
});

/**
 * An open object typed as what the job holds: the view passes the job's data through
 * whole, whichever version of the service stored it.
 */
function stored<T>() {
  return Type.Unsafe<T>(Type.Object({}, { additionalProperties: true }));
}

const nullable = <T extends TSchema>(schema: T, options = {}) =>
  Type.Union([schema, Type.Null()], options);

/** A training job as clients see it; the API adds its links. */
export const TrainingJobViewSchema = Type.Object({
  id: Type.String(),
  status: TrainingJobStatusSchema,
  /** The lifecycle state: `status`, or for an active job what it is doing. */
  state: LifecycleStateSchema,
  /** Every state the job entered, oldest first, with when and why. */
  transitions: Type.Array(TransitionSchema),
  /** When a cancel was asked for, if it was. */
  cancelRequestedAt: nullable(Type.String({ format: 'date-time' })),
  dataset: Type.String(),
  spec: stored<ModelSpec>(),
  training: stored<TrainingOptions>(),
  progress: nullable(TrainingProgressSchema),
  history: Type.Array(EpochMetricsSchema),
  bestValAcc: nullable(Type.Number()),
  test: nullable(TestMetricsSchema),
  /** The registered model, once the job completed. */
  modelId: nullable(Type.String()),
  bestCheckpoint: nullable(Type.String(), {
    description:
      "The name of the job's best checkpoint (`epoch-03-val_acc-0.8612`), the one registered as its model",
  }),
  backend: nullable(Type.String()),
  attempts: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: nullable(Type.String()),
  finishedAt: nullable(Type.String()),
  error: nullable(Type.String()),
});

export type TrainingJobView = Static<typeof TrainingJobViewSchema>;
