import {
  type DataSource,
  type LoadedData,
  loadTrainingData,
  type SplitOptions,
} from '../data/data-source.js';
import { type BackendChoice, selectBackend, type TrainingStepChoice } from '../ml/backend.js';
import { singleReplicaEngine } from '../ml/compiled/single-engine.js';
import type { TrainingEngine } from '../ml/engine.js';
import { type Evaluation, evaluate } from '../ml/evaluate.js';
import { DEFAULT_LEARNING_RATES, type OptimizerName } from '../ml/optimizer.js';
import { ParallelEngine } from '../ml/parallel/parallel-engine.js';
import { defaultReplicas } from '../ml/replica-count.js';
import type { Schedule } from '../ml/schedule.js';
import type { ModelSpec } from '../ml/spec.js';
import type { StepRecipe } from '../ml/step-recipe.js';
import {
  type BatchProgress,
  type CheckpointSink,
  type EpochMetrics,
  type FitOptions,
  type FitResult,
  fitModel,
  type Patience,
  unlessAborted,
} from '../ml/train.js';

export interface TrainingRunOptions extends SplitOptions {
  source: DataSource;
  spec: ModelSpec;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  learningRate?: number;
  /** The learning rate's course; `learningRate` (else the optimizer's default) is its peak. */
  schedule?: Schedule;
  /** Augmentation, label smoothing, clipping, weight decay, momentum. */
  recipe?: StepRecipe;
  earlyStopping?: Patience;
  seed?: number;
  backend: BackendChoice;
  /** Data-parallel replicas; default: one per core (up to 2) on wasm, else 1. */
  workers?: number;
  /** How one replica on a native backend runs its step (default auto: compiled where it can). */
  step?: TrainingStepChoice;
  /** Threads of the compiled step's TensorFlow session (default 0: every core). */
  threads?: number;
  /** Where the run's checkpoints go (store/checkpoints.ts); none: it keeps none. */
  checkpoints?: CheckpointSink;
  /** Continue from the sink's newest resumable state, if any. */
  resume?: boolean;
  signal?: AbortSignal;
  /** Checkpoint at the next batch and stop (see FitOptions.suspend). */
  suspend?: AbortSignal;
  onData?: (data: LoadedData) => void;
  onEngine?: (engine: {
    backend: string;
    replicas: number;
    step: TrainingEngine['step'];
    skipped: string[];
  }) => void;
  onBatch?: (progress: BatchProgress) => void;
  onEpoch?: (metrics: EpochMetrics) => void;
  onEpochStart?: FitOptions['onEpochStart'];
  beforeBatch?: FitOptions['beforeBatch'];
  onCheckpoint?: FitOptions['onCheckpoint'];
}

export interface TrainingRunResult extends FitResult {
  backend: string;
  classNames: readonly string[];
  replicas: number;
  step: TrainingEngine['step'];
  /** The held-out test set, evaluated with the final weights. */
  test?: Evaluation;
}

/** Loads data, starts an engine, fits, evaluates on the test split: the whole training job. */
export async function runTraining(options: TrainingRunOptions): Promise<TrainingRunResult> {
  const data = await loadTrainingData(options.source, options);
  options.onData?.(data);
  // Cancelled while loading: starting replicas would only delay the answer.
  if (options.signal?.aborted) return notStarted(data);
  const engine = await startEngine(options, data);
  try {
    const result = await fitModel(engine, data, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      seed: options.seed,
      learningRate: options.schedule
        ? (options.learningRate ?? DEFAULT_LEARNING_RATES[options.optimizer])
        : options.learningRate,
      schedule: options.schedule,
      earlyStopping: options.earlyStopping,
      signal: options.signal,
      suspend: options.suspend,
      checkpoints: options.checkpoints,
      resume: options.resume,
      meta: {
        spec: options.spec,
        classNames: data.classNames,
        training: {
          epochs: options.epochs,
          batchSize: options.batchSize,
          optimizer: options.optimizer,
          learningRate: options.learningRate,
          seed: options.seed,
          // Saved with every checkpoint: what the resumed schedule and steps continue.
          schedule: options.schedule,
          recipe: options.recipe,
          earlyStopping: options.earlyStopping,
        },
      },
      onBatch: options.onBatch,
      onEpoch: options.onEpoch,
      onEpochStart: options.onEpochStart,
      beforeBatch: options.beforeBatch,
      onCheckpoint: options.onCheckpoint,
    });
    let test: Evaluation | undefined;
    if (result.status === 'completed' && data.test.count > 0) {
      const evaluated = await unlessAborted(engine.evaluate('test'), options.signal);
      if (!evaluated) return { ...result, status: 'cancelled', ...engineInfo(engine, data) };
      test = evaluate(data.test, evaluated, data.classNames.length, data.classNames);
    }
    return { ...result, ...engineInfo(engine, data), test };
  } finally {
    await engine.dispose();
  }
}

function notStarted(data: LoadedData): TrainingRunResult {
  return {
    status: 'cancelled',
    history: [],
    bestValAcc: Number.NEGATIVE_INFINITY,
    initialEpoch: 0,
    initialBatch: 0,
    backend: 'none',
    replicas: 0,
    step: 'eager',
    classNames: data.classNames,
  };
}

function engineInfo(engine: TrainingEngine, data: LoadedData) {
  return {
    backend: engine.backend,
    replicas: engine.replicas,
    step: engine.step,
    classNames: data.classNames,
  };
}

async function startEngine(options: TrainingRunOptions, data: LoadedData): Promise<TrainingEngine> {
  const replica = {
    spec: options.spec,
    optimizer: options.optimizer,
    learningRate: options.learningRate,
    seed: options.seed,
    recipe: options.recipe,
  };
  const report = await selectBackend(options.backend);
  const skipped = report.skipped.map((s) => `${s.name}: ${s.reason}`);
  const workers = options.workers ?? defaultReplicas(report.name);
  const engine =
    workers > 1
      ? await ParallelEngine.start(data, replica, { replicas: workers, backend: report.name })
      : singleReplicaEngine(
          data,
          replica,
          report,
          options.step ?? 'auto',
          skipped,
          options.threads,
        );
  options.onEngine?.({
    backend: engine.backend,
    replicas: engine.replicas,
    step: engine.step,
    skipped,
  });
  return engine;
}
