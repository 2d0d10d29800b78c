import { createHash } from 'node:crypto';
import type { TrainingJobData } from './training-job.js';

/**
 * A training job's name for its files. Redis ids are counters that start again at 1 on a
 * fresh or restored Redis, so files named by id alone would be found by a later job of the
 * same id; the creation time (ms) that BullMQ keeps with the job does not repeat, and
 * retries of the job keep it.
 */
export function jobKey(job: { id?: string; timestamp: number }): string {
  return `${job.id}-${job.timestamp}`;
}

/**
 * Whose checkpoints these are: the job's key and a digest of what it trains (spec, data set,
 * seed and the other training settings). A resume refuses a state with another owner.
 */
export function checkpointOwner(key: string, data: TrainingJobData): string {
  const what = JSON.stringify({ spec: data.spec, dataset: data.dataset, training: data.training });
  return `${key}:${createHash('sha256').update(what).digest('hex').slice(0, 16)}`;
}
