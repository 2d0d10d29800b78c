import { type SandboxedJob, UnrecoverableError, WaitingError } from 'bullmq';
import { type Config, readConfig } from '../config.js';
import { type DataSource, datasetSource } from '../data/data-source.js';
import { DataFormatError, DataSplitError } from '../data/index.js';
import { SpecError } from '../ml/spec.js';
import { CheckpointOwnerError } from '../store/checkpoints.js';
import type { ModelRegistry } from '../store/model-registry.js';
import { createStores, type Stores } from '../store/stores.js';
import { runTraining, type TrainingRunResult } from '../training/run.js';
import { batchGateWaiter } from './batch-gate.js';
import { childConnection } from './connection.js';
import { checkpointOwner, jobKey } from './job-identity.js';
import { type LifecycleState, type Transition, transition } from './lifecycle.js';
import { isOutOfMemory, outOfMemoryReason } from './out-of-memory.js';
import { progressTracker } from './progress.js';
import { registerBestModel } from './register-model.js';
import { STOP } from './stop-reasons.js';
import { checkJobData, type TrainingJobData } from './training-job.js';
import { runRecipeOf } from './training-recipe.js';
import { trialControl } from './trial-control.js';

export type TrainingJobResult = Omit<TrainingRunResult, 'lastCheckpoint' | 'status'> & {
  status: 'completed' | 'cancelled' | 'timed_out' | 'stopped_early';
  /** Why a run ended before its last epoch, where more can be said than the status. */
  endReason?: string;
  /** The registered model (absent when cancelled or timed out). */
  modelId?: string;
};

// The child must not outlive its worker (kill -9): an orphan would go on training a job
// that another worker resumes, and both would write its checkpoints.
if (process.send) process.once('disconnect', () => process.exit(1));

/**
 * The sandboxed training processor: BullMQ runs it in a child process, so training never
 * blocks the worker's lock renewal and its memory goes back to the OS when the job ends.
 * A retried attempt resumes from the job's last checkpoint. The worker aborts `signal`
 * with a StopReason (see supervisor.ts): a shutdown checkpoints and hands the job back,
 * anything else stops it.
 */
export default async function processTraining(
  job: SandboxedJob<TrainingJobData, TrainingJobResult>,
  token?: string,
  signal?: AbortSignal,
): Promise<TrainingJobResult> {
  const config = readConfig();
  const stores = createStores(config);
  try {
    return await train(job, config, stores, token, signal);
  } finally {
    stores.close();
  }
}

async function train(
  job: SandboxedJob<TrainingJobData, TrainingJobResult>,
  config: Config,
  stores: Stores,
  token?: string,
  signal?: AbortSignal,
): Promise<TrainingJobResult> {
  const data = checkJobData(job.data);
  const attempt = job.attemptsStarted ?? job.attemptsMade + 1;
  const record = (state: LifecycleState, reason: string, at: Partial<Transition> = {}) =>
    job.log(JSON.stringify(transition(state, reason, { attempt, ...at })));
  const { stop, suspend } = splitSignal(signal);
  const key = jobKey(job);
  const checkpoints = stores.checkpoints(key, checkpointOwner(key, data));
  const progress = progressTracker((p) => job.updateProgress(p as unknown as object));
  const epochs = data.training.epochs;
  const trial = data.tuning ? await trialControl(config, data.tuning, stop) : undefined;
  const gate = config.batchGate ? connectBatchGate(config, String(job.id)) : undefined;
  const stopOrSuspend = AbortSignal.any([stop.signal, suspend.signal]);
  const result = await unrecoverableOnBadData(async () =>
    runTraining({
      source: await dataSource(config, stores, data.dataset),
      spec: data.spec,
      ...data.training,
      ...runRecipeOf(data.training),
      backend: config.backend,
      step: config.trainingStep,
      threads: config.trainingThreads,
      checkpoints,
      resume: true,
      signal: stop.signal,
      suspend: suspend.signal,
      onEngine: (e) => progress.engine(e.backend, e.replicas, e.step),
      onBatch: (p) => progress.batch(p),
      beforeBatch:
        gate &&
        ((epoch, batch) =>
          gate.pass({ epoch, batch }, { signal: stopOrSuspend, onHold: progress.flush })),
      onEpochStart: (epoch, batch) =>
        record(
          'training',
          batch > 0
            ? `epoch ${epoch}/${epochs}, resumed after batch ${batch}`
            : `epoch ${epoch}/${epochs}`,
          { epoch, batch },
        ),
      onCheckpoint: (m) =>
        record('checkpointing', `epoch ${m.epoch} done: val_acc ${m.val_acc.toFixed(4)}`, {
          epoch: m.epoch,
        }),
      onEpoch: (m) => {
        progress.epoch(m);
        trial?.epochDone(m);
        if (m.epoch === epochs) {
          record('evaluating', 'the held-out test split, then registering the model');
          void progress.evaluating();
        }
      },
    }),
  ).finally(() => {
    trial?.close();
    gate?.close();
  });
  const { lastCheckpoint: _, status, ...rest } = result;
  if (status === 'suspended') {
    const at = result.suspendedAt ?? { epoch: result.initialEpoch + 1, batch: 0 };
    record(
      'queued',
      `handed back: its worker is shutting down; resumes at epoch ${at.epoch} after batch ${at.batch}`,
      at,
    );
    await job.moveToWait(token);
    throw new WaitingError();
  }
  if (status === 'cancelled') {
    const ended = stoppedAs(stop.signal);
    return { ...rest, status: ended, endReason: trial?.reason(ended) };
  }
  if (result.stoppedEarly) {
    const { epoch, reason } = result.stoppedEarly;
    record(
      'evaluating',
      `stopped early after epoch ${epoch} of ${epochs}: ${reason}; the best epoch's weights were tested and are registered`,
      { epoch },
    );
  }
  // A trial's model is registered by its tuning job, if it is the best.
  if (data.tuning) return { ...rest, status };
  const model = await withRegistry(config, stores, (registry) =>
    registerBestModel({
      registry,
      store: stores.artifacts,
      checkpoints,
      jobId: String(job.id),
      artifact: key,
      data,
      result,
    }),
  );
  return { ...rest, status, modelId: model.id };
}

/** The worker's one signal, as the fit loop's two: stop now, or checkpoint and stop. */
function splitSignal(signal?: AbortSignal) {
  const stop = new AbortController();
  const suspend = new AbortController();
  const forward = () =>
    (signal?.reason === STOP.shutdown ? suspend : stop).abort(signal?.reason ?? STOP.cancel);
  if (signal?.aborted) forward();
  else signal?.addEventListener('abort', forward, { once: true });
  return { stop, suspend };
}

/** How a stopped run ends: a cancel or a time limit ends the job; a lost lock does not. */
function stoppedAs(signal: AbortSignal): 'cancelled' | 'timed_out' | 'stopped_early' {
  if (signal.reason === STOP.timeout) return 'timed_out';
  if (signal.reason === STOP.earlyStop) return 'stopped_early';
  if (signal.reason === STOP.lockLost) {
    // Another worker owns the job now (see supervisor.ts); this attempt just ends.
    throw new Error('this worker lost the job (its lock expired); another attempt resumes it');
  }
  return 'cancelled';
}

/**
 * Data that cannot be read or split, specs that cannot be built, and models that do not fit
 * in memory fail the job for good: another attempt would meet the same files and sizes.
 */
async function unrecoverableOnBadData<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isOutOfMemory(err)) throw new UnrecoverableError(outOfMemoryReason(err));
    const bad =
      err instanceof DataFormatError ||
      err instanceof DataSplitError ||
      err instanceof SpecError ||
      err instanceof CheckpointOwnerError;
    throw bad ? new UnrecoverableError((err as Error).message) : err;
  }
}

/** The built-in Fashion-MNIST, or an uploaded data set; a missing one fails the job for good. */
async function dataSource(config: Config, stores: Stores, id: string): Promise<DataSource> {
  try {
    return await datasetSource(id, {
      dataDir: config.dataDir,
      download: true,
      uploaded: stores.datasets.source,
    });
  } catch (err) {
    throw new UnrecoverableError(`dataset '${id}': ${(err as Error).message}`);
  }
}

/** Tests only (TAILOR_BATCH_GATE): the job waits at batches a test chooses. */
function connectBatchGate(config: Config, jobId: string) {
  const redis = childConnection(config.redisUrl);
  return {
    pass: batchGateWaiter(redis, config.queuePrefix, jobId),
    close: () => redis.disconnect(),
  };
}

async function withRegistry<T>(
  config: Config,
  stores: Stores,
  use: (registry: ModelRegistry) => Promise<T>,
) {
  const redis = childConnection(config.redisUrl); // registering waits through outages
  try {
    return await use(stores.registry(redis));
  } finally {
    redis.disconnect();
  }
}
