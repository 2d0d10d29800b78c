import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { jobKey } from '../jobs/job-identity.js';
import type { TrainingJobResult } from '../jobs/processor.js';
import { registerBestModel } from '../jobs/register-model.js';
import type { TrainingJobData } from '../jobs/training-job.js';
import type { ModelRegistry } from '../store/model-registry.js';
import type { Stores } from '../store/stores.js';
import type { TrainingRunResult } from '../training/run.js';
import type { TuningJobData, TuningResult } from './tuning-view.js';

export interface TuningProcessorDeps {
  trainingQueue: Queue<TrainingJobData>;
  registry: ModelRegistry;
  /** The models' files, and the trials' checkpoints the best model is taken from. */
  stores: Pick<Stores, 'artifacts' | 'checkpoints'>;
}

/**
 * The tuning job's own step, run once every trial has ended: picks the trial with the best
 * val_acc among those that ran all their epochs, registers its best checkpoint as a model
 * (id = tuning job id, so a retry yields the same model) and points the requested alias
 * at it. Light work: it runs in the worker process itself, not in a sandbox.
 */
export function tuningProcessor({ trainingQueue, registry, stores }: TuningProcessorDeps) {
  return async (job: Job<TuningJobData, TuningResult>): Promise<TuningResult> => {
    const trials = await Promise.all(
      job.data.trials.map(async (t) => ({ ...t, job: await trainingQueue.getJob(t.jobId) })),
    );
    let best: (typeof trials)[number] | undefined;
    for (const t of trials) {
      const result = t.job?.returnvalue as TrainingJobResult | undefined;
      if (result?.status !== 'completed' || !Number.isFinite(result.bestValAcc)) continue;
      const leader = best?.job?.returnvalue as TrainingJobResult | undefined;
      if (!leader || result.bestValAcc > leader.bestValAcc) best = t;
    }
    if (!best?.job) {
      throw new UnrecoverableError(
        `none of the ${trials.length} trials ran all its epochs; see each trial's reason`,
      );
    }
    const result = best.job.returnvalue as TrainingJobResult;
    const model = await registerBestModel({
      registry,
      store: stores.artifacts,
      checkpoints: stores.checkpoints(jobKey(best.job)),
      jobId: String(job.id),
      data: best.job.data,
      result: result as unknown as TrainingRunResult,
    });
    const promoted = job.data.promote ? await promote(registry, job.data.promote, model.id) : null;
    return {
      best: {
        trial: best.trial,
        jobId: best.jobId,
        params: best.params,
        bestValAcc: result.bestValAcc,
        testAccuracy: result.test?.accuracy ?? null,
      },
      modelId: model.id,
      promoted: promoted?.name ?? null,
      ...(promoted?.error ? { promotionError: promoted.error } : {}),
    };
  };
}

/** A refused promotion (the name is a model id, say) is reported, not a failed search. */
async function promote(registry: ModelRegistry, name: string, id: string) {
  try {
    await registry.promote(name, id, { gate: false });
    return { name };
  } catch (err) {
    return { name: null, error: (err as Error).message };
  }
}
