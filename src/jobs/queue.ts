import type { Tracer } from '@opentelemetry/api';
import { type ConnectionOptions, type Job, Queue } from 'bullmq';
import { TracedTrainingQueue } from './job-tracing.js';
import type { TrainingJobData } from './training-job.js';

export const TRAINING_QUEUE = 'training';

export interface TrainingQueueOptions {
  connection: ConnectionOptions;
  prefix: string;
  /** Tracing on: each job added gets a span and carries its trace context to the worker. */
  tracer?: Tracer | undefined;
}

export function createTrainingQueue({
  connection,
  prefix,
  tracer,
}: TrainingQueueOptions): Queue<TrainingJobData> {
  return tracer
    ? new TracedTrainingQueue(tracer, TRAINING_QUEUE, { connection, prefix })
    : new Queue<TrainingJobData>(TRAINING_QUEUE, { connection, prefix });
}

/**
 * Transient failures (a worker lost, Redis restarted) are retried with backoff; bad input
 * fails at once (the processor throws UnrecoverableError). A retried job resumes from its
 * last epoch checkpoint.
 */
export function enqueueTraining(
  queue: Queue<TrainingJobData>,
  data: TrainingJobData,
  jobId?: string,
): Promise<Job<TrainingJobData>> {
  return queue.add('train', data, {
    // BullMQ adds nothing when a job with this id exists, and returns that job.
    ...(jobId ? { jobId } : {}),
    attempts: 3,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: 30 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  });
}
