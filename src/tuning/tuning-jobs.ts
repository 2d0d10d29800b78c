import { randomUUID } from 'node:crypto';
import type { FlowProducer, Job, JobState, Queue } from 'bullmq';
import { BUILT_IN_DATASET } from '../data/index.js';
import { indexOfQueue } from '../jobs/job-index.js';
import { fillIndex, pageIndex } from '../jobs/job-pages.js';
import type { TrainingJobView } from '../jobs/job-view.js';
import { TRAINING_QUEUE } from '../jobs/queue.js';
import { InvalidJobError, type TrainingJobData, toJobData } from '../jobs/training-job.js';
import { type Admit, JobsError, queueCalls, type TrainingJobs } from '../jobs/training-jobs.js';
import { SpecError } from '../ml/spec.js';
import type { TrialParams } from './parameters.js';
import { checkSpace, largestPoints, type SearchSpace } from './search-space.js';
import { checkConflicts, type SgdOnly } from './trial-conflicts.js';
import { planTrials } from './trial-plan.js';
import { baseRecipeOf, trialRequest } from './trials.js';
import { TUNING_QUEUE } from './tuning-queues.js';
import { DEFAULT_TRIALS, earlyStoppingOf, type TuningRequest } from './tuning-request.js';
import { type TuningJobData, type TuningResult, toTuningView } from './tuning-view.js';

const RETENTION = { age: 30 * 24 * 3600 };
const TUNING_TYPES = ['waiting-children', 'waiting', 'active', 'completed', 'failed'] as const;
const TUNING_ID = /^tune-[a-f0-9]{12}$/;

/**
 * Tuning jobs as a service: a BullMQ flow whose parent (queue `tuning`) waits for its
 * trials, which are ordinary training jobs (queue `training`) run by any worker in
 * parallel. A trial that fails for good does not fail its parent: the parent still
 * weighs the others when they are done.
 */
export function createTuningJobs(options: {
  flows: FlowProducer;
  queue: Queue<TuningJobData>;
  trainingJobs: TrainingJobs;
  datasetExists?: (id: string) => Promise<boolean>;
  /** Whether the queue's Redis connection is up (see queueCalls); default: assume it is. */
  redisReady?: () => boolean;
}) {
  const { flows, queue, trainingJobs } = options;
  const available = queueCalls(options.redisReady ?? (() => true));
  const tuningIndex = indexOfQueue(queue);
  const datasetExists = options.datasetExists ?? (async (id) => id === BUILT_IN_DATASET);

  const view = async (job: Job<TuningJobData, TuningResult>) => {
    const [state, trials] = await Promise.all([
      job.getState(),
      Promise.all(
        job.data.trials.map(
          (t) =>
            // A trial removed from Redis (retention) shows as unknown; a Redis outage is a 503.
            trainingJobs.get(t.jobId).catch((err) => {
              if (err instanceof JobsError && err.code === 'JOB_NOT_FOUND') return null;
              throw err;
            }) as Promise<TrainingJobView | null>,
        ),
      ),
    ]);
    return toTuningView(job, state as JobState | 'unknown', trials);
  };

  return {
    async create(request: TuningRequest) {
      const search = request.search ?? 'random';
      const base = baseRecipeOf(request);
      let space: SearchSpace;
      try {
        space = checkSpace(request.space, search);
        checkConflicts(space, base);
      } catch (err) {
        throw new InvalidJobError('INVALID_SEARCH_SPACE', (err as Error).message);
      }
      const dataset = request.dataset ?? BUILT_IN_DATASET;
      if (!(await datasetExists(dataset))) {
        throw new InvalidJobError(
          'UNKNOWN_DATASET',
          `dataset: no data set '${dataset}'; GET /v1/datasets lists them`,
        );
      }
      const admit = await trainingJobs.admitting(dataset);
      const budget = request.budget?.trials ?? DEFAULT_TRIALS;
      const seed = request.seed ?? Math.floor(Math.random() * 2 ** 32);
      const plan = planTrials(space, base, { search, budget, seed });
      // The space at its largest first: its message names the range to narrow. Its other
      // settings are the first trial's, which pass the recipe checks (trial-conflicts.ts).
      const first = plan.trials[0] ?? { params: {}, leaveOut: [] };
      for (const largest of largestPoints(space)) {
        const label = `the space at its largest ${JSON.stringify(largest)}`;
        const params = { ...first.params, ...largest };
        admitted(admit, trialData(request, params, first.leaveOut, label, 0), label);
      }
      const id = `tune-${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const createdAt = Date.now();
      const deadline = request.budget?.maxSeconds
        ? createdAt + request.budget.maxSeconds * 1000
        : undefined;
      const earlyStopping = earlyStoppingOf(request);
      const trials = plan.trials.map(({ params, adjustments, leaveOut }, trial) => {
        const label = `trial ${trial} ${JSON.stringify(params)}`;
        return {
          trial,
          params,
          adjustments,
          jobId: `${id}-trial-${trial}`,
          data: {
            ...admitted(admit, trialData(request, params, leaveOut, label, seed), label),
            tuning: { id, trial, earlyStopping, ...(deadline ? { deadline } : {}) },
          } satisfies TrainingJobData,
        };
      });
      const data: TuningJobData = {
        dataset,
        search,
        space,
        budget: { trials: budget, ...(deadline ? { maxSeconds: request.budget?.maxSeconds } : {}) },
        earlyStopping,
        seed,
        promote: request.promote,
        createdAt,
        deadline,
        trials: trials.map(({ trial, params, adjustments, jobId }) => ({
          trial,
          params,
          jobId,
          ...(adjustments.length > 0 ? { adjustments } : {}),
        })),
        ...(plan.skippedRepeats > 0 ? { skippedRepeats: plan.skippedRepeats } : {}),
      };
      const flow = await available(() =>
        flows.add({
          name: 'tune',
          queueName: TUNING_QUEUE,
          data,
          opts: { jobId: id, removeOnComplete: RETENTION, removeOnFail: RETENTION },
          children: trials.map((t) => ({
            name: 'trial',
            queueName: TRAINING_QUEUE,
            data: t.data,
            opts: {
              jobId: t.jobId,
              attempts: 3,
              backoff: { type: 'exponential', delay: 5_000 },
              // A trial that fails for good is reported, not fatal to the search.
              ignoreDependencyOnFailure: true,
              removeOnComplete: RETENTION,
              removeOnFail: RETENTION,
            },
          })),
        }),
      );
      // The trials are listed with every training job, the search with the tuning jobs.
      for (const child of flow.children ?? []) await trainingJobs.recordQueued(child.job);
      await available(() => tuningIndex.add(id, flow.job.timestamp));
      return this.get(id);
    },

    async get(id: string) {
      const job = TUNING_ID.test(id) ? await available(() => queue.getJob(id)) : undefined;
      if (!job) throw new JobsError('JOB_NOT_FOUND', `no tuning job with id '${id}'`);
      return view(job as Job<TuningJobData, TuningResult>);
    },

    /** A page of tuning jobs, newest first (see job-index.ts). */
    async list({ limit, cursor }: { limit: number; cursor?: string }) {
      return available(async () => {
        await fillIndex(tuningIndex, queue, TUNING_TYPES, (job) =>
          tuningIndex.add(String(job.id), job.timestamp),
        );
        const load = async (id: string) => {
          const job = await queue.getJob(id);
          return job ? view(job as Job<TuningJobData, TuningResult>) : undefined;
        };
        // Unfiltered: no status is ever asked of an item.
        const page = await pageIndex(tuningIndex, { limit, cursor }, load, () => 'queued');
        return { ...page, limit };
      });
    },
  };
}

export type TuningJobs = ReturnType<typeof createTuningJobs>;

/** A trial's training job data, validated as any training job's; errors name the trial. */
function trialData(
  request: TuningRequest,
  params: TrialParams,
  leaveOut: readonly SgdOnly[],
  trial: string,
  seed: number,
): TrainingJobData {
  const base = {
    dataset: request.dataset,
    preset: request.preset,
    model: request.model,
    training: { seed, ...request.training },
  };
  try {
    return toJobData(trialRequest(base, params, leaveOut));
  } catch (err) {
    const message = (err as Error).message;
    const code =
      err instanceof InvalidJobError
        ? err.code
        : err instanceof SpecError && err.code === 'too_large'
          ? 'MODEL_TOO_LARGE'
          : 'INVALID_MODEL';
    throw new InvalidJobError(code, `${trial}: ${message}`);
  }
}

/** The trial's data once it passed the checks of any training job on the data set. */
function admitted(admit: Admit, data: TrainingJobData, trial: string): TrainingJobData {
  try {
    admit(data.spec, data.training.batchSize);
  } catch (err) {
    if (!(err instanceof InvalidJobError)) throw err;
    throw new InvalidJobError(err.code, `${trial}: ${err.message}`);
  }
  return data;
}
