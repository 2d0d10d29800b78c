import type { JobState, Queue } from 'bullmq';
import { Gauge, type GaugeConfiguration, type Registry } from 'prom-client';
import type { TrainingProgress } from '../../jobs/progress.js';

/** What `/metrics` reads from Redis on each scrape. */
export interface QueueSources {
  /** Queues whose jobs are counted per state, by the name the metrics give them. */
  queues: Record<string, Pick<Queue, 'getJobCounts'>>;
  /** The queue whose running jobs' progress is reported. */
  training?: Pick<Queue, 'getActive'>;
  /** False while the API's Redis connection is down: nothing is asked of it then. */
  redisReady: () => boolean;
}

const STATES: JobState[] = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'waiting-children',
  'completed',
  'failed',
];

/** Running jobs reported at most, so a scrape costs the same however busy the workers are. */
export const MAX_REPORTED_JOBS = 20;
/** A scrape does not wait longer than this for Redis; Prometheus' own timeout is 10 s. */
const READ_TIMEOUT_MS = 2000;

type ProgressField = 'epoch' | 'epochs' | 'imagesPerSecond' | 'loss' | 'acc';

const PROGRESS_GAUGES: readonly { field: ProgressField; name: string; help: string }[] = [
  { field: 'epoch', name: 'tailor_training_epoch', help: 'Epoch a running training job is in' },
  { field: 'epochs', name: 'tailor_training_epochs', help: 'Epochs a running training job runs' },
  {
    field: 'imagesPerSecond',
    name: 'tailor_training_images_per_second',
    help: 'Training throughput of a running job over its current epoch',
  },
  {
    field: 'loss',
    name: 'tailor_training_loss',
    help: 'Running mean of the training loss over the current epoch',
  },
  {
    field: 'acc',
    name: 'tailor_training_accuracy',
    help: 'Running mean of the training accuracy over the current epoch',
  },
];

/**
 * Queue depth per state and the progress of running training jobs, read from Redis when
 * Prometheus scrapes: workers publish their progress on their jobs (jobs/progress.ts), so
 * any API instance can report every worker's without a port on the workers. Reads are
 * bounded (one count per queue, at most MAX_REPORTED_JOBS jobs), concurrent scrapes share
 * one read, and a Redis that is down or slow leaves these series out and sets
 * `tailor_redis_up` to 0: the rest of the scrape still answers.
 */
export function queueMetrics(registry: Registry, sources: QueueSources) {
  const registers = [registry];
  const names: string[] = [];
  const gauge = <L extends string>(config: GaugeConfiguration<L>) => {
    names.push(config.name);
    // The app built last on a registry owns its series (tests build several on one).
    registry.removeSingleMetric(config.name);
    return new Gauge({ ...config, registers });
  };
  const up = gauge({
    name: 'tailor_redis_up',
    help: 'Whether the last scrape could read the job queues from Redis (1) or not (0)',
  });
  const depth = gauge({
    name: 'tailor_queue_jobs',
    help: 'Jobs in a queue, by state',
    labelNames: ['queue', 'state'] as const,
  });
  const progress = PROGRESS_GAUGES.map(({ field, name, help }) => ({
    field,
    gauge: gauge({ name, help, labelNames: ['job'] as const }),
  }));
  let reading: Promise<void> | undefined;

  async function read(): Promise<void> {
    depth.reset();
    for (const { gauge } of progress) gauge.reset();
    if (!sources.redisReady()) {
      up.set(0);
      return;
    }
    try {
      const [counts, running] = await withTimeout(
        Promise.all([
          Promise.all(
            Object.entries(sources.queues).map(
              async ([name, queue]) => [name, await queue.getJobCounts(...STATES)] as const,
            ),
          ),
          sources.training?.getActive(0, MAX_REPORTED_JOBS - 1) ?? [],
        ]),
      );
      for (const [queue, byState] of counts) {
        for (const state of STATES) depth.set({ queue, state }, byState[state] ?? 0);
      }
      for (const job of running) {
        if (job.id === undefined) continue;
        const reported = job.progress as Partial<TrainingProgress> | number;
        if (typeof reported !== 'object' || reported === null) continue;
        for (const { field, gauge } of progress) {
          const value = reported[field];
          if (typeof value === 'number' && Number.isFinite(value))
            gauge.set({ job: job.id }, value);
        }
      }
      up.set(1);
    } catch {
      depth.reset();
      for (const { gauge } of progress) gauge.reset();
      up.set(0);
    }
  }

  return {
    /** The metrics registered, for whoever removes them. */
    names,
    /** Brings the gauges up to date; call before rendering the registry. */
    refresh(): Promise<void> {
      reading ??= read().finally(() => {
        reading = undefined;
      });
      return reading;
    },
  };
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('redis read timed out')), READ_TIMEOUT_MS);
  });
  // A late answer after the timeout is dropped; a late failure must not go unhandled.
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
