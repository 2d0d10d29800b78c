import type { EngineData, TrainingEngine } from './engine.js';
import type { ModelArtifacts, OptimizerState } from './model-state.js';
import { mixSeed, mulberry32, permutation } from './random.js';

export interface BatchProgress {
  epoch: number;
  epochs: number;
  /** 1-based batch within the epoch. */
  batch: number;
  batches: number;
  /** Running means over the epoch so far, as Keras' progress bar shows them. */
  loss: number;
  acc: number;
  imagesPerSecond: number;
}

export interface EpochMetrics {
  epoch: number;
  loss: number;
  acc: number;
  val_loss: number;
  val_acc: number;
  seconds: number;
  imagesPerSecond: number;
}

/** What a resumed run needs besides weights and optimizer slots. */
export interface TrainerState {
  /** Epochs completed. */
  epoch: number;
  history: EpochMetrics[];
  bestValAcc: number;
  bestCheckpoint?: string;
  shuffleSeed: number;
}

export interface Snapshot {
  artifacts: ModelArtifacts;
  meta: Record<string, unknown>;
}

/** Where checkpoints go; the fit loop knows nothing of files. */
export interface CheckpointSink {
  saveBest(epoch: number, valAcc: number, snapshot: Snapshot): Promise<string>;
  saveResume(
    epoch: number,
    snapshot: Snapshot & { optimizer: OptimizerState; state: TrainerState },
  ): Promise<string>;
  loadResume(): Promise<
    (Snapshot & { optimizer: OptimizerState; state: TrainerState }) | undefined
  >;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  /** Seeds the batch order; with a seeded model, two runs give the same metrics. */
  seed?: number;
  signal?: AbortSignal;
  checkpoints?: CheckpointSink;
  /** Continue from the sink's newest resumable state, if any. */
  resume?: boolean;
  /** Stored with every checkpoint (spec, training options, ...). */
  meta?: Record<string, unknown>;
  onBatch?: (progress: BatchProgress) => void;
  onEpoch?: (metrics: EpochMetrics) => void;
}

export interface FitResult {
  status: 'completed' | 'cancelled';
  history: EpochMetrics[];
  bestValAcc: number;
  bestCheckpoint?: string;
  lastCheckpoint?: string;
  /** Epochs that were already done when this run started (0 for a fresh run). */
  initialEpoch: number;
}

/**
 * The seed's `model.fit`: shuffled mini-batches, validation after each epoch, a checkpoint
 * whenever val_acc improves, plus a resumable state (weights and optimizer) at each epoch
 * end. Cancellation is checked between batches.
 */
export async function fitModel(
  engine: TrainingEngine,
  data: EngineData,
  options: FitOptions,
): Promise<FitResult> {
  const { epochs, batchSize, checkpoints, signal } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  let state: TrainerState = {
    epoch: 0,
    history: [],
    bestValAcc: Number.NEGATIVE_INFINITY,
    shuffleSeed: options.seed ?? Math.floor(Math.random() * 2 ** 32),
  };
  let lastCheckpoint: string | undefined;
  if (options.resume && checkpoints) {
    const saved = await checkpoints.loadResume();
    if (saved) {
      await engine.importState(saved.artifacts, saved.optimizer);
      state = saved.state;
    }
  }
  const initialEpoch = state.epoch;
  const batches = Math.ceil(data.train.count / batchSize);

  for (let epoch = initialEpoch + 1; epoch <= epochs; epoch++) {
    const order = permutation(data.train.count, mulberry32(mixSeed(state.shuffleSeed, epoch)));
    const started = performance.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < batches; b++) {
      if (signal?.aborted) return result('cancelled');
      const rows = order.subarray(b * batchSize, Math.min((b + 1) * batchSize, order.length));
      const step = await engine.trainBatch(rows);
      lossSum += step.loss * step.count;
      correct += step.correct;
      seen += step.count;
      options.onBatch?.({
        epoch,
        epochs,
        batch: b + 1,
        batches,
        loss: lossSum / seen,
        acc: correct / seen,
        imagesPerSecond: seen / ((performance.now() - started) / 1000),
      });
    }
    const trainSeconds = (performance.now() - started) / 1000;
    const val = await engine.evaluate('val');
    const metrics: EpochMetrics = {
      epoch,
      loss: lossSum / seen,
      acc: correct / seen,
      val_loss: val.lossSum / data.val.count,
      val_acc: accuracy(data.val.labels, val.predicted),
      seconds: (performance.now() - started) / 1000,
      imagesPerSecond: seen / trainSeconds,
    };
    state = { ...state, epoch, history: [...state.history, metrics] };
    if (checkpoints) {
      const artifacts = await engine.exportModel();
      const meta = { ...options.meta, epoch, metrics };
      if (metrics.val_acc > state.bestValAcc) {
        const path = await checkpoints.saveBest(epoch, metrics.val_acc, { artifacts, meta });
        state = { ...state, bestValAcc: metrics.val_acc, bestCheckpoint: path };
      }
      const optimizer = await engine.exportOptimizer();
      lastCheckpoint = await checkpoints.saveResume(epoch, { artifacts, meta, optimizer, state });
    } else if (metrics.val_acc > state.bestValAcc) {
      state = { ...state, bestValAcc: metrics.val_acc };
    }
    options.onEpoch?.(metrics);
  }
  return result('completed');

  function result(status: FitResult['status']): FitResult {
    return {
      status,
      history: state.history,
      bestValAcc: state.bestValAcc,
      bestCheckpoint: state.bestCheckpoint,
      lastCheckpoint,
      initialEpoch,
    };
  }
}

export function accuracy(labels: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) right++;
  return labels.length === 0 ? 0 : right / labels.length;
}
