import { Type } from 'typebox';
import { TrainingJobStatusSchema } from '../../jobs/job-status.js';
import { EpochMetricsSchema } from '../../jobs/progress.js';
import { TuningRequestSchema } from '../../tuning/tuning-request.js';
import { PageQuery, pageOf } from './page.js';

const Params = Type.Record(
  Type.String(),
  Type.Union([Type.Number(), Type.String(), Type.Boolean()]),
  { description: 'The value of each dimension of the space this trial runs with' },
);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

const Trial = Type.Object({
  trial: Type.Integer(),
  jobId: Type.String({ description: 'The trial is a training job: GET /v1/training-jobs/{jobId}' }),
  params: Params,
  adjustments: Type.Array(Type.String(), {
    description:
      'Settings the trial runs without, and why: momentum and nesterov where its optimizer is not sgd, nesterov where its momentum is 0',
  }),
  status: Type.Union([TrainingJobStatusSchema, Type.Literal('unknown')]),
  reason: Nullable(Type.String()),
  epochs: Type.Integer(),
  history: Type.Array(EpochMetricsSchema),
  bestValAcc: Nullable(Type.Number()),
  testAccuracy: Nullable(Type.Number()),
});

const Best = Type.Object({
  trial: Type.Integer(),
  jobId: Type.String(),
  params: Params,
  bestValAcc: Type.Number(),
  testAccuracy: Nullable(Type.Number()),
});

export const TuningJob = Type.Object(
  {
    id: Type.String(),
    status: Type.Union(['queued', 'running', 'completed', 'failed'].map((s) => Type.Literal(s))),
    dataset: Type.String(),
    search: Type.String(),
    space: Type.Object({}, { additionalProperties: true }),
    budget: Type.Object({}, { additionalProperties: true }),
    earlyStopping: Type.Object({}, { additionalProperties: true }),
    seed: Type.Integer(),
    skippedRepeats: Type.Integer({
      description:
        'Grid points not run: with the settings their optimizer or momentum does not take left out, they repeat an earlier trial',
    }),
    promote: Type.Optional(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    deadline: Nullable(Type.String({ format: 'date-time' })),
    finishedAt: Nullable(Type.String({ format: 'date-time' })),
    counts: Type.Record(Type.String(), Type.Integer()),
    trials: Type.Array(Trial),
    best: Nullable(Best),
    modelId: Nullable(Type.String()),
    promoted: Nullable(Type.String()),
    promotionError: Nullable(Type.String()),
    error: Nullable(Type.String()),
    links: Type.Object({ self: Type.String(), model: Type.Optional(Type.String()) }),
  },
  { title: 'TuningJob' },
);

export const TuningJobIdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const ListTuningJobsQuery = Type.Object(PageQuery, { additionalProperties: false });

export const TuningJobList = pageOf(TuningJob, 'TuningJobList', { limit: Type.Integer() });

/** The body of a new tuning job, titled so the document names it as a component. */
export const TuningJobRequest = { ...TuningRequestSchema, title: 'TuningJobRequest' };
