import { literalUnion } from './literal-union.js';

/**
 * A training job's status as clients see it: the one list the job view, the index of job
 * lists and the API's schema derive from.
 */
export const TRAINING_JOB_STATUSES = [
  'queued',
  'active',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
  'stopped_early',
] as const;

export type TrainingJobStatus = (typeof TRAINING_JOB_STATUSES)[number];

export const TrainingJobStatusSchema = literalUnion(TRAINING_JOB_STATUSES);

/** Statuses a job does not leave. */
export const TERMINAL_STATUSES: readonly TrainingJobStatus[] = [
  'completed',
  'failed',
  'cancelled',
  'timed_out',
  'stopped_early',
];
