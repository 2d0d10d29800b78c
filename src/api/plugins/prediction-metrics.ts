import { Counter, Histogram, type Registry } from 'prom-client';
import type { PredictorPoolObserver } from '../../inference/predictor-pool.js';

/** Batch sizes up to the largest TAILOR_PREDICT_MAX_BATCH allows. */
const BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
/** From a free worker (well under a millisecond) to a backlog of seconds. */
const WAIT_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Metrics of the predictor pool's batches and model cache, fed through the pool's observer so
 * the inference layer knows nothing of Prometheus.
 */
export function predictionMetrics(registry: Registry): PredictorPoolObserver {
  const registers = [registry];
  const images = new Counter({
    name: 'tailor_predictions_total',
    help: 'Images run through a model, by outcome (ok: classified; error: the forward pass failed)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const batches = new Counter({
    name: 'tailor_prediction_batches_total',
    help: 'Forward passes run by the inference workers, by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const batchSize = new Histogram({
    name: 'tailor_prediction_batch_size',
    help: 'Images per forward pass, after micro-batching merged concurrent requests',
    buckets: BATCH_SIZES,
    registers,
  });
  const queueWait = new Histogram({
    name: 'tailor_prediction_queue_wait_seconds',
    help: 'Time a prediction request waited for its forward pass to start',
    buckets: WAIT_SECONDS,
    registers,
  });
  const cache = new Counter({
    name: 'tailor_model_cache_requests_total',
    help: 'Models asked of an inference worker: held already (hit) or read from the store and loaded (load)',
    labelNames: ['result'] as const,
    registers,
  });
  for (const outcome of ['ok', 'error']) {
    images.inc({ outcome }, 0);
    batches.inc({ outcome }, 0);
  }
  for (const result of ['hit', 'load']) cache.inc({ result }, 0);

  return {
    batchStarted(inputs, waitsMs) {
      batchSize.observe(inputs);
      for (const wait of waitsMs) queueWait.observe(wait / 1000);
    },
    batchFinished(inputs, ok) {
      const outcome = ok ? 'ok' : 'error';
      images.inc({ outcome }, inputs);
      batches.inc({ outcome });
    },
    modelUsed(loaded) {
      cache.inc({ result: loaded ? 'load' : 'hit' });
    },
  };
}
