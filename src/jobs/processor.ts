import { join } from 'node:path';
import { type SandboxedJob, UnrecoverableError } from 'bullmq';
import { type Config, readConfig } from '../config.js';
import { createFileArtifactStore } from '../store/artifact-store.js';
import { createModelRegistry, type ModelRegistry } from '../store/model-registry.js';
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
  if (data.dataset !== 'fashion-mnist') {
    throw new UnrecoverableError(`unknown dataset '${data.dataset}'`);
  }
  const config = readConfig();
  const checkpointDir = join(config.artifactDir, 'checkpoints', String(job.id));
  const progress = progressTracker((p) => job.updateProgress(p as unknown as object));
  const result = await runTraining({
    source: { kind: 'fashion-mnist', dataDir: config.dataDir, download: true },
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
  });
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

async function withRegistry<T>(config: Config, use: (registry: ModelRegistry) => Promise<T>) {
  const redis = workerConnection(config.redisUrl ?? 'redis://127.0.0.1:6379');
  try {
    return await use(createModelRegistry({ redis, prefix: config.queuePrefix }));
  } finally {
    redis.disconnect();
  }
}
