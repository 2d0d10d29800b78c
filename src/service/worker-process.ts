import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { cancelRequests } from '../jobs/cancel-requests.js';
import { workerConnection } from '../jobs/connection.js';
import { createTrainingQueue } from '../jobs/queue.js';
import { superviseTraining } from '../jobs/supervisor.js';
import { createTrainingWorker } from '../jobs/worker.js';

/**
 * A training worker: takes jobs from the queue and runs each in a sandboxed child. Its
 * connection waits through Redis outages instead of failing (maxRetriesPerRequest: null),
 * so the worker carries on consuming once Redis is back, without a restart.
 */
export function startTrainingWorker(config: Config, redisUrl: string, log: Logger) {
  const connection = workerConnection(redisUrl);
  connection.on('error', (err) => log.warn({ err }, 'redis connection error; retrying'));
  const worker = createTrainingWorker({
    connection,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    redisUrl,
    lockSeconds: config.jobLockSeconds,
    // The children read their settings from the environment: hand them this worker's.
    env: {
      TAILOR_ARTIFACT_DIR: config.artifactDir,
      TAILOR_DATA_DIR: config.dataDir,
      TAILOR_BACKEND: config.backend,
    },
  });
  const queue = createTrainingQueue({ connection, prefix: config.queuePrefix });
  queue.on('error', () => {});
  const supervisor = superviseTraining({
    worker,
    queue,
    cancels: cancelRequests(connection, config.queuePrefix),
    log,
  });
  worker.on('active', (job) => log.info({ jobId: job.id }, 'training job started'));
  worker.on('completed', (job) =>
    log.info(
      { jobId: job.id, status: job.returnvalue?.status, modelId: job.returnvalue?.modelId },
      'training job ended',
    ),
  );
  worker.on('failed', (job, err) => log.error({ jobId: job?.id, err }, 'training job failed'));
  worker.on('stalled', (jobId) => log.warn({ jobId }, 'training job stalled; requeued'));
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  return {
    worker,
    supervisor,
    /** SIGTERM: running jobs checkpoint and go back to the queue within the grace period. */
    async close() {
      await supervisor.shutdown(config.shutdownGraceSeconds * 1000);
      await queue.close();
      connection.disconnect();
    },
  };
}
