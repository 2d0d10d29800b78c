import { join } from 'node:path';
import { type SandboxedJob, UnrecoverableError } from 'bullmq';
import { type Config, readConfig } from '../config.js';
import { DataFormatError, DataSplitError } from '../data/index.js';
import { SpecError } from '../ml/spec.js';
import { createFileArtifactStore } from '../store/artifact-store.js';
import { BUILT_IN_DATASET, createDatasetStore, datasetDir } from '../store/dataset-store.js';
import { createModelRegistry, type ModelRegistry } from '../store/model-registry.js';
import type { DataSource } from '../training/data-source.js';
import { runTraining, type TrainingRunResult } from '../training/run.js';
import { workerConnection } from './connection.js';
import { progressTracker } from './progress.js';
import { registerBestModel } from './register-model.js';
import { checkJobData, type TrainingJobData } from './training-job.js';

export type TrainingJobResult = Omit<TrainingRunResult, 'lastCheckpoint'> & {
  checkpointDir: string;
  /** The model registered from the best checkpoint (absent when cancelled). */
  modelId?: string;
};

/**
 * The sandboxed training processor: BullMQ runs it in a child process, so training never
 * blocks the worker's lock renewal and its memory goes back to the OS when the job ends.
 * A retried attempt resumes from the job's last epoch checkpoint.
 */
export default async function processTraining(
  job: SandboxedJob<TrainingJobData, TrainingJobResult>,
): Promise<TrainingJobResult> {
  const data = checkJobData(job.data);
  const config = readConfig();
  const source = await dataSource(config, data.dataset);
  const checkpointDir = join(config.artifactDir, 'checkpoints', String(job.id));
  const progress = progressTracker((p) => job.updateProgress(p as unknown as object));
  const result = await unrecoverableOnBadData(() =>
    runTraining({
      source,
      spec: data.spec,
      ...data.training,
      backend: config.backend,
      checkpointDir,
      resume: true,
      onEngine: (e) => progress.engine(e.backend, e.replicas),
      onBatch: (p) => progress.batch(p),
      onEpoch: (m) => {
        progress.epoch(m);
        if (m.epoch === data.training.epochs) void progress.evaluating();
      },
    }),
  );
  const { lastCheckpoint: _, ...rest } = result;
  if (result.status !== 'completed') return { ...rest, checkpointDir };
  const model = await withRegistry(config, (registry) =>
    registerBestModel({
      registry,
      store: createFileArtifactStore(join(config.artifactDir, 'models')),
      jobId: String(job.id),
      data,
      result,
    }),
  );
  return { ...rest, checkpointDir, modelId: model.id };
}

/**
 * Data that cannot be read or split, and specs that cannot be built, fail the job for
 * good: another attempt would meet the same files.
 */
async function unrecoverableOnBadData<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const bad =
      err instanceof DataFormatError || err instanceof DataSplitError || err instanceof SpecError;
    throw bad ? new UnrecoverableError((err as Error).message) : err;
  }
}

/** The built-in Fashion-MNIST, or an uploaded data set; a missing one fails the job for good. */
async function dataSource(config: Config, id: string): Promise<DataSource> {
  if (id === BUILT_IN_DATASET)
    return { kind: 'fashion-mnist', dataDir: config.dataDir, download: true };
  try {
    return await createDatasetStore(datasetDir(config)).source(id);
  } catch (err) {
    throw new UnrecoverableError(`dataset '${id}': ${(err as Error).message}`);
  }
}

async function withRegistry<T>(config: Config, use: (registry: ModelRegistry) => Promise<T>) {
  const redis = workerConnection(config.redisUrl ?? 'redis://127.0.0.1:6379');
  try {
    return await use(createModelRegistry({ redis, prefix: config.queuePrefix }));
  } finally {
    redis.disconnect();
  }
}
