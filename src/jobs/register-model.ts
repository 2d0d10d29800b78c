import type { ArtifactStore } from '../store/artifact-store.js';
import type { CheckpointStore } from '../store/checkpoints.js';
import type { ModelRegistry, ModelVersion } from '../store/model-registry.js';
import { StoreError } from '../store/store-errors.js';
import type { TrainingRunResult } from '../training/run.js';
import type { TrainingJobData } from './training-job.js';

export interface RegisterOptions {
  registry: ModelRegistry;
  store: ArtifactStore;
  /** The checkpoints of the job that trained the model (its best one is registered). */
  checkpoints: Pick<CheckpointStore, 'loadBest'>;
  jobId: string;
  /** The job's files' name in the store (job-identity.ts); default the job id. */
  artifact?: string;
  data: TrainingJobData;
  result: TrainingRunResult;
}

/**
 * Makes a finished job's best checkpoint a model version (model id = job id). Safe to
 * repeat: a retried job finds its files and record already there and gets the same model,
 * so a job never yields two. Files and records of another job are never taken for its own:
 * the files are stored under the job's own artifact name, and a model id that a Redis
 * restored from an older backup already gives to another job's files is left to it, the
 * model being registered under the artifact name instead.
 */
export async function registerBestModel(options: RegisterOptions): Promise<ModelVersion> {
  const { registry, store, jobId, data, result } = options;
  const artifact = options.artifact ?? jobId;
  const best = result.bestCheckpoint;
  if (!best) throw new Error(`job ${jobId} finished without a checkpoint`);
  const stored = await ignoreConflict(async () =>
    store.putModel(artifact, await options.checkpoints.loadBest(best)),
  );
  const sha256 = stored?.sha256 ?? (await store.read(artifact)).sha256;
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
  const register = (id: string) =>
    ignoreConflict(() =>
      registry.register({
        id,
        jobId,
        spec: data.spec,
        // How it was split and trained, so an evaluation can split other data the same way.
        dataset: data.dataset,
        training: { ...data.training },
        metrics,
        classNames: [...result.classNames],
        artifact,
        sha256,
        backend: result.backend,
      }),
    );
  const mine = async (id: string) => {
    const record = (await register(id)) ?? (await registry.get(id));
    return record.artifact === artifact ? record : undefined;
  };
  return (await mine(jobId)) ?? (await mine(artifact)) ?? failTaken(jobId, artifact);
}

function failTaken(jobId: string, artifact: string): never {
  throw new Error(`model ids '${jobId}' and '${artifact}' both belong to other jobs' files`);
}

async function ignoreConflict<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof StoreError && err.code === 'CONFLICT') return undefined;
    throw err;
  }
}
