import type { Tracer } from '@opentelemetry/api';
import { type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { cancelRequests } from '../jobs/cancel-requests.js';
import { workerConnection } from '../jobs/connection.js';
import { createTrainingQueue } from '../jobs/queue.js';
import { superviseTraining } from '../jobs/supervisor.js';
import type { TrainingJobData } from '../jobs/training-job.js';
import { createTrainingWorker } from '../jobs/worker.js';
import { createStores, type Stores } from '../store/stores.js';
import { tuningProcessor } from '../tuning/tuning-processor.js';
import { TUNING_QUEUE } from '../tuning/tuning-queues.js';
import type { TuningJobData, TuningResult } from '../tuning/tuning-view.js';

/** Finishes tuning jobs whose trials have all ended (light work, in this process). */
function startTuningWorker(
  config: Config,
  stores: Stores,
  connection: Redis,
  trainingQueue: Queue<TrainingJobData>,
  log: Logger,
) {
  const tuner = new Worker<TuningJobData, TuningResult>(
    TUNING_QUEUE,
    tuningProcessor({
      trainingQueue,
      registry: stores.registry(connection),
      stores,
    }),
    { connection, prefix: config.queuePrefix, concurrency: 1 },
  );
  tuner.on('completed', (job) =>
    log.info({ tuningJobId: job.id, best: job.returnvalue?.best }, 'tuning job completed'),
  );
  tuner.on('failed', (job, err) => log.error({ tuningJobId: job?.id, err }, 'tuning job failed'));
  tuner.on('error', (err) => log.error({ err }, 'tuning worker error'));
  return tuner;
}

/**
 * A training worker: takes jobs from the queue and runs each in a sandboxed child. Its
 * connection waits through Redis outages instead of failing (maxRetriesPerRequest: null),
 * so the worker carries on consuming once Redis is back, without a restart.
 */
export function startTrainingWorker(
  config: Config,
  redisUrl: string,
  log: Logger,
  tracer?: Tracer,
) {
  const connection = workerConnection(redisUrl);
  connection.on('error', (err) => log.warn({ err }, 'redis connection error; retrying'));
  const worker = createTrainingWorker({
    connection,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    redisUrl,
    lockSeconds: config.jobLockSeconds,
    tracer,
    // The children read their settings from the environment: hand them this worker's.
    env: {
      TAILOR_ARTIFACT_DIR: config.artifactDir,
      TAILOR_DATA_DIR: config.dataDir,
      TAILOR_BACKEND: config.backend,
      TAILOR_BATCH_GATE: config.batchGate ? '1' : '0',
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
  if (config.batchGate)
    log.warn('TAILOR_BATCH_GATE is on: jobs wait before each batch until a test lets them pass');
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
  const stores = createStores(config);
  const tuner = startTuningWorker(config, stores, connection, queue, log);
  return {
    worker,
    supervisor,
    /** SIGTERM: running jobs checkpoint and go back to the queue within the grace period. */
    async close() {
      await supervisor.shutdown(config.shutdownGraceSeconds * 1000);
      await tuner.close();
      await queue.close();
      connection.disconnect();
      stores.close();
    },
  };
}
