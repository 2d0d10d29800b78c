import { Type } from 'typebox';
import { TrainingJobStatusSchema } from '../../jobs/job-status.js';
import { TrainingJobRequestSchema } from '../../jobs/training-job.js';
import { TrainingJobViewSchema } from '../../jobs/training-job-schema.js';
import { PageQuery, pageOf } from './page.js';

/** The job's view (its one schema lives with the jobs) and the links the API adds. */
export const TrainingJob = Type.Object(
  {
    ...TrainingJobViewSchema.properties,
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
