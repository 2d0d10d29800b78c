import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Job, JobState, JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BUILT_IN_DATASET, NUM_CLASSES } from '../data/index.js';
import type { ModelSpec } from '../ml/spec.js';
import { checkSpecBudget, DEFAULT_SPEC_LIMITS, type SpecLimits } from '../ml/spec-budget.js';
import { checkSpecFits, type DatasetShape } from '../ml/spec-fit.js';
import { isRedisUnavailable } from '../redis/connection-errors.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { StoreError } from '../store/store-errors.js';
import { cancelRequests } from './cancel-requests.js';
import { indexOfQueue } from './job-index.js';
import { fillIndex, type PageRequest, pageIndex, settleIndex } from './job-pages.js';
import { TERMINAL_STATUSES } from './job-status.js';
import { type TrainingJobView, toJobView } from './job-view.js';
import { parseTransitions } from './lifecycle.js';
import type { TrainingJobResult } from './processor.js';
import { enqueueTraining } from './queue.js';
import {
  InvalidJobError,
  type TrainingJobData,
  type TrainingJobRequest,
  toJobData,
} from './training-job.js';

/** A job request that cannot be done; the API maps its code to a status (api/error-codes.ts). */
export class JobsError extends Error {
  constructor(
    readonly code:
      | 'JOB_NOT_FOUND'
      | 'QUEUE_UNAVAILABLE'
      | 'IDEMPOTENCY_KEY_REUSED'
      | 'INVALID_IDEMPOTENCY_KEY'
      | 'JOB_FINISHED',
    message: string,
  ) {
    super(message);
  }
}

const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Printable ASCII without spaces, as clients send UUIDs or request hashes. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** A job id from a client's key: hashed, so any key becomes a safe, fixed-length id. */
export function idempotentJobId(key: string): string {
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new JobsError(
      'INVALID_IDEMPOTENCY_KEY',
      'Idempotency-Key must be 1-255 printable ASCII characters without spaces',
    );
  }
  return `idem-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** Every BullMQ state a training job can be in. */
const BULL_TYPES: JobType[] = [
  'waiting',
  'delayed',
  'prioritized',
  'waiting-children',
  'active',
  'completed',
  'failed',
];

/** What a job must pass before it is queued, beyond the schema and the spec's own rules. */
export interface AdmissionOptions {
  /** The most a model may cost; default DEFAULT_SPEC_LIMITS. */
  limits?: SpecLimits;
  /**
   * A data set's image size and classes, undefined for one that does not exist. Without it
   * only the built-in Fashion-MNIST's shape is known, and other data sets are not checked.
   */
  datasetShape?: (id: string) => Promise<DatasetShape | undefined>;
}

const FASHION_MNIST: DatasetShape = { height: 28, width: 28, classes: NUM_CLASSES };

/** Data set shapes from the store's records: no image is read. */
export function datasetShapes(
  store: Pick<DatasetStore, 'get'>,
): (id: string) => Promise<DatasetShape | undefined> {
  return async (id) => {
    if (id === BUILT_IN_DATASET) return FASHION_MNIST;
    try {
      return await store.get(id);
    } catch (err) {
      if (err instanceof StoreError) return undefined;
      throw err;
    }
  };
}

/** Checks a spec and batch size against one data set and the model budget. */
export type Admit = (spec: ModelSpec, batchSize: number) => void;

export type ListOptions = PageRequest;

/**
 * Training jobs as a service over the queue: what the routes call. `redisReady` tells
 * whether the queue's connection is up: BullMQ waits for a connection that is down, and
 * an API must answer 503 at once instead.
 */
export function createTrainingJobs(
  queue: Queue<TrainingJobData>,
  redisReady: () => boolean,
  datasetExists: (id: string) => Promise<boolean> = async (id) => id === BUILT_IN_DATASET,
  /** The queue's Redis, for cancel requests; without it jobs cannot be cancelled. */
  redis?: Redis,
  admission: AdmissionOptions = {},
) {
  const limits = admission.limits ?? DEFAULT_SPEC_LIMITS;
  const shapeOf =
    admission.datasetShape ??
    (async (id: string) => (id === BUILT_IN_DATASET ? FASHION_MNIST : undefined));
  /**
   * The check every job (and every tuning trial) passes before it is queued, so a model
   * that cannot train on its data set, or is too large for a worker, is refused with a 400
   * instead of failing in a worker, or worse, completing and being served.
   */
  const admitting = async (dataset: string): Promise<Admit> => {
    if (!(await datasetExists(dataset))) {
      throw new InvalidJobError(
        'UNKNOWN_DATASET',
        `dataset: no data set '${dataset}'; GET /v1/datasets lists them`,
      );
    }
    const shape = await shapeOf(dataset);
    return (spec, batchSize) => {
      try {
        if (shape) checkSpecFits(spec, dataset, shape);
        checkSpecBudget(spec, batchSize, limits);
      } catch (err) {
        const { code, message } = err as { code?: unknown; message: string };
        if (code !== 'DATASET_MISMATCH' && code !== 'MODEL_TOO_LARGE') throw err;
        throw new InvalidJobError(code, `model: ${message}`);
      }
    };
  };
  const available = queueCalls(redisReady);
  const cancels = redis ? cancelRequests(redis, queue.opts.prefix ?? 'bull') : undefined;
  /** The job as clients see it: BullMQ's state, its lifecycle rows, a cancel request. */
  const view = async (job: Job<TrainingJobData>): Promise<TrainingJobView> => {
    const id = String(job.id);
    const [state, logs, cancel] = await available(() =>
      Promise.all([job.getState(), queue.getJobLogs(id, 0, -1), cancels?.get(id)]),
    );
    const transitions = parseTransitions(logs.logs);
    // The job was read before its state: one that ended in between holds no result yet, and
    // would show as completed without its model. Read it again.
    const ended = state === 'completed' || state === 'failed';
    const settled =
      ended && job.finishedOn === undefined
        ? ((await available(() => queue.getJob(id))) ?? job)
        : job;
    return toJobView(settled as never, state as JobState | 'unknown', { transitions, cancel });
  };
  const loadView = async (id: string) => {
    const job = await available(() => queue.getJob(id));
    return job ? view(job) : undefined;
  };
  /** Records a job just queued in the index its lists page through. */
  const indexed = async (job: Job<TrainingJobData>) => {
    await available(async () => indexOfQueue(queue).add(String(job.id), job.timestamp));
    return job;
  };
  const find = async (id: string) => {
    const job = JOB_ID.test(id) ? await available(() => queue.getJob(id)) : undefined;
    if (!job) throw new JobsError('JOB_NOT_FOUND', `no training job with id '${id}'`);
    return job;
  };
  return {
    admitting,
    /** Records a job queued elsewhere (a tuning job's trial) in the index of jobs. */
    recordQueued: indexed,

    /**
     * Queues a job. With an idempotency key, a repeated request returns the job the first
     * one created (its id derives from the key); the same key with another body is a 409.
     */
    async create(request: TrainingJobRequest, idempotencyKey?: string): Promise<TrainingJobView> {
      const data = toJobData(request);
      (await admitting(data.dataset))(data.spec, data.training.batchSize);
      if (idempotencyKey === undefined) {
        const job = await available(() => enqueueTraining(queue, data));
        await indexed(job);
        // Just queued: a worker may take it at once, but the answer describes the request.
        return toJobView(job, 'waiting');
      }
      const jobId = idempotentJobId(idempotencyKey);
      await indexed(await available(() => enqueueTraining(queue, data, jobId)));
      // add() answers with the data it was given; the stored job shows what the key first made.
      const stored = await available(() => queue.getJob(jobId));
      if (!stored) throw new JobsError('JOB_NOT_FOUND', `job '${jobId}' vanished`);
      if (!isDeepStrictEqual(stored.data, data)) {
        throw new JobsError(
          'IDEMPOTENCY_KEY_REUSED',
          'this Idempotency-Key was used for a different request; use a new key for a new job',
        );
      }
      return view(stored);
    },

    async get(id: string): Promise<TrainingJobView> {
      return view(await find(id));
    },

    /**
     * Asks for a job to stop. A queued job is cancelled at once; a running one stops at its
     * next batch on whichever worker runs it, keeps its checkpoints and ends as cancelled.
     */
    async cancel(id: string, by: string): Promise<TrainingJobView> {
      const job = await find(id);
      const current = await view(job);
      if (TERMINAL_STATUSES.includes(current.status) && !current.cancelRequestedAt) {
        throw new JobsError(
          'JOB_FINISHED',
          `training job '${id}' has already ended as ${current.status}; there is nothing to cancel`,
        );
      }
      if (!cancels) throw unavailable();
      await available(() => cancels.request(String(job.id), by));
      const cancelled = await view(job);
      // A queued job is cancelled at once; a running one when its worker stops it.
      await available(async () =>
        indexOfQueue(queue).move(cancelled.id, job.timestamp, cancelled.status),
      );
      return cancelled;
    },

    /**
     * A page of jobs, newest first, from the index of jobs by creation time and status
     * (see job-index.ts). `total` counts the jobs with that status, or all of them.
     */
    async list(request: ListOptions) {
      return available(async () => {
        const index = indexOfQueue(queue);
        await fillIndex(index, queue, BULL_TYPES, async (job) => {
          await index.move(String(job.id), job.timestamp, (await view(job)).status);
        });
        const load = (id: string) => loadView(id);
        const statusOf = (v: TrainingJobView) => v.status;
        const { status } = request;
        // A job that ended while its worker died is still recorded as running.
        if (status && TERMINAL_STATUSES.includes(status)) {
          await settleIndex(index, 'active', load, statusOf);
        }
        const page = await pageIndex(index, request, load, statusOf);
        return { ...page, total: await index.count(status), limit: request.limit };
      });
    },
  };
}

export type TrainingJobs = ReturnType<typeof createTrainingJobs>;
export type { TrainingJobResult };

/**
 * Runs queue calls so that a Redis that is down answers 503 QUEUE_UNAVAILABLE at once:
 * BullMQ would wait for a connection that is down, and an API must not.
 */
export function queueCalls(redisReady: () => boolean) {
  return async <T>(call: () => Promise<T>): Promise<T> => {
    if (!redisReady()) throw unavailable();
    try {
      return await call();
    } catch (err) {
      if (isRedisUnavailable(err)) throw unavailable();
      throw err;
    }
  };
}

function unavailable(): JobsError {
  return new JobsError('QUEUE_UNAVAILABLE', 'the job queue (Redis) is unavailable; retry later');
}
