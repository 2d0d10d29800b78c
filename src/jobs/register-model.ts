import type { ArtifactStore } from '../store/artifact-store.js';
import type { ModelRegistry, ModelVersion } from '../store/model-registry.js';
import { StoreError } from '../store/store-errors.js';
import type { TrainingRunResult } from '../training/run.js';
import type { TrainingJobData } from './training-job.js';

export interface RegisterOptions {
  registry: ModelRegistry;
  store: ArtifactStore;
  jobId: string;
  data: TrainingJobData;
  result: TrainingRunResult;
}

/**
 * Makes a finished job's best checkpoint a model version (model id = job id). Safe to
 * repeat: a retried job finds its files and record already there and gets the same model,
 * so a job never yields two.
 */
export async function registerBestModel(options: RegisterOptions): Promise<ModelVersion> {
  const { registry, store, jobId, data, result } = options;
  if (!result.bestCheckpoint) throw new Error(`job ${jobId} finished without a checkpoint`);
  const stored = await ignoreConflict(() => store.putModel(jobId, result.bestCheckpoint as string));
  const sha256 = stored?.sha256 ?? (await store.read(jobId)).sha256;
  const metrics: Record<string, number> = { best_val_acc: result.bestValAcc };
  const last = result.history.at(-1);
  if (last)
    Object.assign(metrics, {
      loss: last.loss,
      acc: last.acc,
      val_loss: last.val_loss,
      val_acc: last.val_acc,
    });
  if (result.test) metrics.test_acc = result.test.accuracy;
  const registered = await ignoreConflict(() =>
    registry.register({
      id: jobId,
      jobId,
      spec: data.spec,
      // How it was split and trained, so an evaluation can split other data the same way.
      dataset: data.dataset,
      training: { ...data.training },
      metrics,
      classNames: [...result.classNames],
      artifact: jobId,
      sha256,
      backend: result.backend,
    }),
  );
  return registered ?? registry.get(jobId);
}

async function ignoreConflict<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof StoreError && err.code === 'CONFLICT') return undefined;
    throw err;
  }
}
