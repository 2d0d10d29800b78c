import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TuningJobData } from './tuning-view.js';

export const TUNING_QUEUE = 'tuning';

/** The tuning queue (flow parents) and the producer that adds a parent with its trials. */
export function tuningQueues(connection: Redis, prefix: string) {
  const queue = new Queue<TuningJobData>(TUNING_QUEUE, { connection, prefix });
  const flows = new FlowProducer({ connection, prefix });
  // A down Redis is reported by the requests that need it (503), not as process errors.
  queue.on('error', () => {});
  flows.on('error', () => {});
  return { queue, flows };
}
