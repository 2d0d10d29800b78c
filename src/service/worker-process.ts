import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { workerConnection } from '../jobs/connection.js';
import { createTrainingWorker } from '../jobs/worker.js';

/**
 * A training worker: takes jobs from the queue and runs each in a sandboxed child. Its
 * connection waits through Redis outages instead of failing (maxRetriesPerRequest: null).
 */
export function startTrainingWorker(config: Config, redisUrl: string, log: Logger) {
  const connection = workerConnection(redisUrl);
  connection.on('error', (err) => log.warn({ err }, 'redis connection error; retrying'));
  const worker = createTrainingWorker({
    connection,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    redisUrl,
  });
  worker.on('active', (job) => log.info({ jobId: job.id }, 'training job started'));
  worker.on('completed', (job) =>
    log.info({ jobId: job.id, modelId: job.returnvalue?.modelId }, 'training job completed'),
  );
  worker.on('failed', (job, err) => log.error({ jobId: job?.id, err }, 'training job failed'));
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
