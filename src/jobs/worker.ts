import type { Tracer } from '@opentelemetry/api';
import { type ConnectionOptions, Worker, type WorkerOptions } from 'bullmq';
import { TracedTrainingWorker } from './job-tracing.js';
import type { TrainingJobResult } from './processor.js';
import { TRAINING_QUEUE } from './queue.js';
import type { TrainingJobData } from './training-job.js';

export interface TrainingWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  /** Where the children reach Redis (to register models); unset: the default local one. */
  redisUrl?: string;
  /** Extra environment for the training child processes. */
  env?: Record<string, string>;
  /**
   * How long a job's lock lasts without renewal: a worker killed mid-job is noticed this
   * long after, and its job resumed elsewhere. Default 30 s.
   */
  lockSeconds?: number;
  /** Tracing on: a span per attempt at a job, in the trace of the request that queued it. */
  tracer?: Tracer | undefined;
}

/** Times one job may be found abandoned (its worker killed) before it fails for good. */
export const MAX_STALLED = 5;

/**
 * A BullMQ worker whose processor runs in a child process (see processor.ts). From
 * sources (tests, tsx) the child needs tsx's loader to import TypeScript.
 */
export function createTrainingWorker(
  options: TrainingWorkerOptions,
): Worker<TrainingJobData, TrainingJobResult> {
  const fromSources = import.meta.url.endsWith('.ts');
  const lockMs = (options.lockSeconds ?? 30) * 1000;
  const processor = new URL(`./processor.${fromSources ? 'ts' : 'js'}`, import.meta.url);
  const opts: WorkerOptions = {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    useWorkerThreads: false,
    // Training holds the CPU for long stretches, but in a child: this parent process renews
    // the lock, so a short lock only bounds how soon a dead worker's job is taken over.
    lockDuration: lockMs,
    stalledInterval: lockMs / 2,
    maxStalledCount: MAX_STALLED,
    workerForkOptions: {
      execArgv: fromSources ? ['--import', 'tsx'] : [],
      // The children read their settings from the environment (src/config.ts): hand them
      // the Redis and key prefix this worker uses.
      env: {
        ...process.env,
        TAILOR_QUEUE_PREFIX: options.prefix,
        ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
        ...options.env,
      },
    },
  };
  return options.tracer
    ? new TracedTrainingWorker(options.tracer, TRAINING_QUEUE, processor, opts)
    : new Worker(TRAINING_QUEUE, processor, opts);
}
