import { Type } from 'typebox';
import { TRAINING_JOB_STATUSES } from '../../jobs/job-status.js';
import { LIFECYCLE_STATES } from '../../jobs/lifecycle.js';
import { TrainingJobRequestSchema } from '../../jobs/training-job.js';
import { CalibrationError, ClassMetrics, Misclassified } from './evaluations.js';
import { PageQuery, pageOf } from './page.js';

export const Metrics = Type.Object(
  {
    epoch: Type.Integer(),
    loss: Type.Number(),
    acc: Type.Number(),
    val_loss: Type.Number(),
    val_acc: Type.Number(),
    seconds: Type.Number(),
    imagesPerSecond: Type.Number(),
  },
  { title: 'EpochMetrics', additionalProperties: false },
);

const Progress = Type.Object(
  {
    stage: Type.Union([
      Type.Literal('loading'),
      Type.Literal('training'),
      Type.Literal('evaluating'),
    ]),
    backend: Type.Optional(Type.String()),
    replicas: Type.Optional(Type.Integer()),
    step: Type.Optional(
      Type.Union([Type.Literal('compiled'), Type.Literal('eager')], {
        description:
          'compiled: forward, gradients and update run as one TensorFlow graph per batch (native backends); eager: tfjs ops one by one.',
      }),
    ),
    epoch: Type.Optional(Type.Integer()),
    epochs: Type.Optional(Type.Integer()),
    batch: Type.Optional(Type.Integer()),
    batches: Type.Optional(Type.Integer()),
    loss: Type.Optional(Type.Number()),
    acc: Type.Optional(Type.Number()),
    imagesPerSecond: Type.Optional(Type.Number()),
    history: Type.Array(Metrics),
  },
  { additionalProperties: false },
);

const TestMetrics = Type.Object({
  accuracy: Type.Number(),
  count: Type.Integer(),
  perClass: Type.Array(ClassMetrics),
  macro: Type.Object({ precision: Type.Number(), recall: Type.Number(), f1: Type.Number() }),
  confusion: Type.Array(Type.Array(Type.Integer())),
  // Optional: jobs that completed before these were computed lack them.
  calibrationError: Type.Optional(CalibrationError),
  misclassified: Type.Optional(Misclassified),
});

/** A string enum whose static type is the union of its values. */
function literals<T extends string>(values: readonly T[]) {
  return Type.Unsafe<T>(Type.Union(values.map((v) => Type.Literal(v))));
}

export const TrainingJobStatusSchema = literals(TRAINING_JOB_STATUSES);

const LifecycleStateSchema = literals(LIFECYCLE_STATES);

const TransitionSchema = Type.Object({
  state: LifecycleStateSchema,
  at: Type.String({ format: 'date-time' }),
  reason: Type.String(),
  attempt: Type.Optional(Type.Integer()),
  epoch: Type.Optional(Type.Integer()),
  batch: Type.Optional(Type.Integer()),
});

export const TrainingJob = Type.Object(
  {
    id: Type.String(),
    status: TrainingJobStatusSchema,
    state: LifecycleStateSchema,
    transitions: Type.Array(TransitionSchema),
    cancelRequestedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    dataset: Type.String(),
    spec: Type.Object({}, { additionalProperties: true }),
    training: Type.Object({}, { additionalProperties: true }),
    progress: Type.Union([Progress, Type.Null()]),
    history: Type.Array(Metrics),
    bestValAcc: Type.Union([Type.Number(), Type.Null()]),
    test: Type.Union([TestMetrics, Type.Null()]),
    modelId: Type.Union([Type.String(), Type.Null()]),
    bestCheckpoint: Type.Union([Type.String(), Type.Null()], {
      description:
        "The name of the job's best checkpoint (`epoch-03-val_acc-0.8612`), the one registered as its model",
    }),
    backend: Type.Union([Type.String(), Type.Null()]),
    attempts: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    startedAt: Type.Union([Type.String(), Type.Null()]),
    finishedAt: Type.Union([Type.String(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
    links: Type.Object({ self: Type.String(), model: Type.Optional(Type.String()) }),
  },
  { title: 'TrainingJob' },
);

export const JobIdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const ListJobsQuery = Type.Object(
  { status: Type.Optional(TrainingJobStatusSchema), ...PageQuery },
  { additionalProperties: false },
);

export const JobList = pageOf(TrainingJob, 'TrainingJobList', {
  total: Type.Integer({ description: 'Jobs with this status, or all jobs' }),
  limit: Type.Integer(),
});

/** The body of a new training job, titled so the document names it as a component. */
export const TrainingJobRequest = { ...TrainingJobRequestSchema, title: 'TrainingJobRequest' };
