import type { EngineData, TrainingEngine } from './engine.js';
import type { ModelArtifacts, OptimizerState } from './model-state.js';
import { mixSeed, mulberry32, permutation } from './random.js';
import { learningRateAt, type Schedule } from './schedule.js';

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
  /** Set when the run was suspended inside an epoch: where to pick it up. */
  partial?: PartialEpoch;
}

/** An epoch suspended after `batch` batches, with its running sums. */
export interface PartialEpoch {
  epoch: number;
  batch: number;
  lossSum: number;
  correct: number;
  seen: number;
  trainSeconds: number;
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
  loadBest(name: string): Promise<Snapshot>;
}

/** Stop when val_acc has not risen by more than `minDelta` for `patience` epochs. */
export interface Patience {
  patience: number;
  minDelta?: number;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  /** Seeds the batch order; with a seeded model, two runs give the same metrics. */
  seed?: number;
  /** The peak learning rate the schedule scales; absent, the engine's own. */
  learningRate?: number;
  /** How the rate moves step by step (needs `learningRate`); absent, constant. */
  schedule?: Schedule;
  /**
   * Early stopping. The run then ends with the best epoch's weights restored (from the
   * checkpoints), so what is tested is what is registered.
   */
  earlyStopping?: Patience;
  /** Stops the run between batches (or during validation); status 'cancelled'. */
  signal?: AbortSignal;
  /**
   * Saves a resumable state at the next batch boundary and stops; status 'suspended'.
   * A run resumed from it continues with the next batch, so no finished batch is lost.
   */
  suspend?: AbortSignal;
  checkpoints?: CheckpointSink;
  /** Continue from the sink's newest resumable state, if any. */
  resume?: boolean;
  /** Stored with every checkpoint (spec, training options, ...). */
  meta?: Record<string, unknown>;
  onBatch?: (progress: BatchProgress) => void;
  onEpoch?: (metrics: EpochMetrics) => void;
  /**
   * Awaited before each batch, with the batches already done in the epoch; signals are
   * checked after it. Tests hold a job at a batch through it (jobs/batch-gate.ts).
   */
  beforeBatch?: (epoch: number, batch: number) => Promise<void>;
  /** An epoch begins, or resumes after `batch` batches. */
  onEpochStart?: (epoch: number, batch: number) => void;
  /** An epoch was validated; its checkpoints are being written. */
  onCheckpoint?: (metrics: EpochMetrics) => void;
}

export interface FitResult {
  status: 'completed' | 'cancelled' | 'suspended';
  history: EpochMetrics[];
  bestValAcc: number;
  bestCheckpoint?: string;
  lastCheckpoint?: string;
  /** Epochs that were already done when this run started (0 for a fresh run). */
  initialEpoch: number;
  /** Batches of epoch `initialEpoch + 1` already done when this run started. */
  initialBatch: number;
  /** Where a suspended run stopped: the epoch in flight and its batches done. */
  suspendedAt?: { epoch: number; batch: number };
  /** Set when early stopping ended the run before its last epoch. */
  stoppedEarly?: { epoch: number; reason: string };
}

/**
 * The seed's `model.fit`: shuffled mini-batches, validation after each epoch, a checkpoint
 * whenever val_acc improves, plus a resumable state (weights and optimizer) at each epoch
 * end. Cancellation is checked between batches; a suspended run saves where it stands.
 */
export async function fitModel(
  engine: TrainingEngine,
  data: EngineData,
  options: FitOptions,
): Promise<FitResult> {
  const { epochs, batchSize, checkpoints, signal, suspend } = options;
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
  const initialBatch = state.partial?.epoch === initialEpoch + 1 ? state.partial.batch : 0;
  const batches = Math.ceil(data.train.count / batchSize);
  const peak = options.learningRate;
  const schedule = options.schedule;
  const rateAt = (step: number) =>
    peak === undefined || !schedule
      ? peak
      : learningRateAt(peak, schedule, { step, stepsPerEpoch: batches, epochs });

  for (let epoch = initialEpoch + 1; epoch <= epochs; epoch++) {
    const order = permutation(data.train.count, mulberry32(mixSeed(state.shuffleSeed, epoch)));
    const augmentSeed = mixSeed(mixSeed(state.shuffleSeed, epoch), AUGMENT_STREAM);
    const sums = resumedSums(state.partial, epoch);
    options.onEpochStart?.(epoch, sums.batch);
    const seenBefore = sums.seen;
    let clock = performance.now();
    const lap = () => {
      const now = performance.now();
      sums.trainSeconds += (now - clock) / 1000;
      clock = now;
    };
    const started = performance.now();
    for (let b = sums.batch; b < batches; b++) {
      await options.beforeBatch?.(epoch, b);
      if (signal?.aborted) return result('cancelled');
      if (suspend?.aborted) {
        lap();
        return suspendAt({ ...sums, epoch, batch: b });
      }
      const rows = order.subarray(b * batchSize, Math.min((b + 1) * batchSize, order.length));
      const step = await engine.trainBatch(rows, {
        learningRate: rateAt((epoch - 1) * batches + b),
        augmentSeed,
      });
      sums.lossSum += step.loss * step.count;
      sums.correct += step.correct;
      sums.seen += step.count;
      options.onBatch?.({
        epoch,
        epochs,
        batch: b + 1,
        batches,
        loss: sums.lossSum / sums.seen,
        acc: sums.correct / sums.seen,
        imagesPerSecond: (sums.seen - seenBefore) / ((performance.now() - started) / 1000),
      });
    }
    lap();
    const val = await unlessAborted(engine.evaluate('val'), signal);
    if (!val) return result('cancelled');
    const metrics: EpochMetrics = {
      epoch,
      loss: sums.lossSum / sums.seen,
      acc: sums.correct / sums.seen,
      val_loss: val.lossSum / data.val.count,
      val_acc: accuracy(data.val.labels, val.predicted),
      seconds: sums.trainSeconds + (performance.now() - clock) / 1000,
      imagesPerSecond: sums.seen / sums.trainSeconds,
    };
    state = { ...state, epoch, history: [...state.history, metrics], partial: undefined };
    if (checkpoints) {
      options.onCheckpoint?.(metrics);
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
    const stop = options.earlyStopping && stalled(state, options.earlyStopping);
    if (stop && epoch < epochs) {
      await restoreBest();
      return { ...result('completed'), stoppedEarly: { epoch, reason: stop } };
    }
    // The epoch's resumable state was just saved: nothing more to save before stopping.
    if (suspend?.aborted && epoch < epochs) {
      return { ...result('suspended'), suspendedAt: { epoch: epoch + 1, batch: 0 } };
    }
  }
  if (options.earlyStopping) await restoreBest();
  return result('completed');

  /** The best epoch's weights back into the engine, when a later epoch was worse. */
  async function restoreBest(): Promise<void> {
    const last = state.history.at(-1);
    if (!checkpoints || !state.bestCheckpoint || !last || last.val_acc >= state.bestValAcc) return;
    const best = await checkpoints.loadBest(state.bestCheckpoint);
    await engine.importState(best.artifacts);
  }

  async function suspendAt(partial: PartialEpoch): Promise<FitResult> {
    if (checkpoints && partial.batch > 0) {
      state = { ...state, partial };
      const artifacts = await engine.exportModel();
      const optimizer = await engine.exportOptimizer();
      const meta = { ...options.meta, epoch: state.epoch, partial };
      lastCheckpoint = await checkpoints.saveResume(state.epoch, {
        artifacts,
        meta,
        optimizer,
        state,
      });
    }
    return {
      ...result('suspended'),
      suspendedAt: { epoch: partial.epoch, batch: partial.batch },
    };
  }

  function result(status: FitResult['status']): FitResult {
    return {
      status,
      history: state.history,
      bestValAcc: state.bestValAcc,
      bestCheckpoint: state.bestCheckpoint,
      lastCheckpoint,
      initialEpoch,
      initialBatch,
    };
  }
}

/** Seeds augmentation apart from the batch order drawn from the same epoch seed. */
const AUGMENT_STREAM = 0x5eed;

/** Why to stop now under `rule`, or undefined to go on. */
function stalled(state: TrainerState, rule: Patience): string | undefined {
  const minDelta = rule.minDelta ?? 0;
  const best = state.history.reduce(
    (top, m) => (m.val_acc > top.valAcc + minDelta ? { valAcc: m.val_acc, epoch: m.epoch } : top),
    { valAcc: Number.NEGATIVE_INFINITY, epoch: 0 },
  );
  const since = state.epoch - best.epoch;
  if (since < rule.patience) return undefined;
  return `val_acc has not risen by more than ${minDelta} for ${since} epochs since epoch ${best.epoch} (${best.valAcc.toFixed(4)})`;
}

/** Running sums of an epoch: zero, or those of the suspended epoch being resumed. */
function resumedSums(partial: PartialEpoch | undefined, epoch: number) {
  const resumed = partial?.epoch === epoch ? partial : undefined;
  return {
    batch: resumed?.batch ?? 0,
    lossSum: resumed?.lossSum ?? 0,
    correct: resumed?.correct ?? 0,
    seen: resumed?.seen ?? 0,
    trainSeconds: resumed?.trainSeconds ?? 0,
  };
}

/**
 * Waits for `work` unless `signal` aborts first (undefined then). Validation of a large
 * set takes seconds; a cancel should not wait for it. The abandoned work's outcome is
 * dropped: the engine is disposed right after.
 */
export async function unlessAborted<T>(
  work: Promise<T>,
  signal?: AbortSignal,
): Promise<T | undefined> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => {});
    return undefined;
  }
  let onAbort = () => {};
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const outcome = await Promise.race([work, aborted]);
    if (outcome === undefined) work.catch(() => {});
    return outcome;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export function accuracy(labels: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) right++;
  return labels.length === 0 ? 0 : right / labels.length;
}
