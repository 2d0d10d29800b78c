import type { Tracer } from '@opentelemetry/api';
import type { AppDeps } from '../api/deps.js';
import { createMetricsRegistry } from '../api/plugins/metrics.js';
import { predictionMetrics } from '../api/plugins/prediction-metrics.js';
import { RATE_WINDOW_MS } from '../api/plugins/rate-limit.js';
import { redisRateLimitStore } from '../api/plugins/redis-rate-limit-store.js';
import type { Config } from '../config.js';
import { createPredictorPool, type PredictorPool } from '../inference/predictor-pool.js';
import { tracedPredictor } from '../inference/traced-predictor.js';
import { apiConnection } from '../jobs/connection.js';
import { createTrainingQueue } from '../jobs/queue.js';
import { createTrainingJobs, datasetShapes } from '../jobs/training-jobs.js';
import { datasetExists } from '../store/dataset-store.js';
import { createStores } from '../store/stores.js';
import { createTuningJobs } from '../tuning/tuning-jobs.js';
import { tuningQueues } from '../tuning/tuning-queues.js';

export interface ApiServices {
  deps: AppDeps;
  close(): Promise<void>;
}

/**
 * The API's services over one fail-fast Redis connection (see jobs/connection.ts); with a
 * tracer, the requests, the jobs they queue and their predictions make spans.
 */
export function createApiServices(
  config: Config,
  redisUrl: string,
  version: string,
  tracer?: Tracer,
): ApiServices {
  const redis = apiConnection(redisUrl);
  // ioredis reports a down Redis as 'error' events and reconnects; requests meanwhile get 503.
  redis.on('error', () => {});
  const queue = createTrainingQueue({ connection: redis, prefix: config.queuePrefix, tracer });
  queue.on('error', () => {});
  const stores = createStores(config);
  const registry = stores.registry(redis);
  const store = stores.artifacts;
  const metricsRegistry = createMetricsRegistry();
  // Inference runs in a worker thread, so the event loop keeps answering while it works.
  const predictor = createPredictorPool({
    registry,
    store,
    backend: config.backend,
    tensorflowThreads: config.inferenceThreads,
    workers: config.inferenceWorkers,
    maxBatch: config.predictMaxBatch,
    maxDelayMs: config.predictMaxDelayMs,
    observer: predictionMetrics(metricsRegistry),
  });
  const datasets = stores.datasets;
  const trainingJobs = createTrainingJobs(
    queue,
    () => redis.status === 'ready',
    datasetExists(datasets),
    redis,
    { limits: config.specLimits, datasetShape: datasetShapes(datasets) },
  );
  const tuning = tuningQueues(redis, config.queuePrefix);
  const deps: AppDeps = {
    version,
    trainingJobs,
    tuningJobs: createTuningJobs({
      ...tuning,
      trainingJobs,
      datasetExists: datasetExists(datasets),
      redisReady: () => redis.status === 'ready',
    }),
    datasets,
    dataDir: config.dataDir,
    models: { registry, store },
    predictor: tracer ? tracedPredictor(predictor, tracer) : predictor,
    imageDecoding: config.imageDecoding,
    auth: { ...config.auth, host: config.host },
    // In Redis, so that every API process of the deployment counts against one limit.
    rateLimitStore: redisRateLimitStore({
      redis,
      prefix: config.queuePrefix,
      windowMs: RATE_WINDOW_MS,
      timeoutMs: config.rateLimitRedisTimeoutMs,
    }),
    http: config.http,
    ...(tracer && { tracer }),
    metrics: {
      registry: metricsRegistry,
      queues: {
        queues: { training: queue, tuning: tuning.queue },
        training: queue,
        redisReady: () => redis.status === 'ready',
      },
    },
    readiness: async () => ({
      redis:
        redis.status === 'ready'
          ? { ok: (await redis.ping()) === 'PONG' }
          : { ok: false, detail: `redis connection is ${redis.status}` },
      // Jobs queue up without a worker, so none connected is worth saying but not a failure.
      trainingWorkers: await countWorkers(queue, redis.status === 'ready'),
      inference: await inferenceBackend(predictor),
    }),
  };
  return {
    deps,
    async close() {
      await predictor.close();
      await Promise.all([queue.close(), tuning.queue.close(), tuning.flows.close()]);
      redis.disconnect();
      stores.close();
    },
  };
}

async function countWorkers(
  queue: ReturnType<typeof createTrainingQueue>,
  connected: boolean,
): Promise<{ ok: boolean; detail: string }> {
  if (!connected) return { ok: false, detail: 'unknown: redis is unavailable' };
  const workers = await queue.getWorkersCount();
  return { ok: true, detail: `${workers} training worker(s) connected` };
}

/** The inference threads have loaded a tfjs backend. */
async function inferenceBackend(pool: PredictorPool): Promise<{ ok: boolean; detail: string }> {
  const stats = await pool.stats();
  const backends = [...new Set(stats.map((s) => s.backend))];
  return backends.length > 0
    ? { ok: true, detail: `backend ${backends.join(', ')}` }
    : { ok: false, detail: 'no inference thread is running' };
}
