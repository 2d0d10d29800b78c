import type { BackendChoice } from '../ml/backend.js';
import type { ModelArtifacts } from '../ml/model-state.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import type { ModelRegistry, ModelVersion } from '../store/model-registry.js';
import { argmax } from './argmax.js';
import { InputError } from './errors.js';
import type { InferenceWorkerStats } from './inference-protocol.js';
import { InferenceThread } from './inference-thread.js';
import { MicroBatcher } from './micro-batcher.js';
import { MODEL_INPUT_LENGTH } from './model-input.js';
import type { Prediction, PredictionResult, PredictOptions, Predictor } from './predictor.js';
import { ResolutionCache } from './resolution-cache.js';
import { MAX_EXPLAINED_INSTANCES, type Saliency } from './saliency.js';

export interface PredictorPoolOptions {
  registry: Pick<ModelRegistry, 'resolve'>;
  store: Pick<ArtifactStore, 'open'>;
  /** Worker threads, each with its own tfjs engine; default 1. */
  workers?: number;
  /** Most inputs merged into one forward pass; default 64. */
  maxBatch?: number;
  /**
   * How long a request waits for others to share its forward pass while a worker is idle;
   * default 0. Under load requests gather while the workers are busy, whatever this is.
   */
  maxDelayMs?: number;
  /** Models each worker keeps loaded, least recently used dropped first; default 3. */
  cacheSize?: number;
  backend?: BackendChoice;
  /** TensorFlow threads per compiled forward pass on the native backends; default 1. */
  tensorflowThreads?: number;
  /** Told what the pool does, for metrics; absent: nobody listens. */
  observer?: PredictorPoolObserver;
}

/** What the pool reports as it works; each callback runs synchronously and must not throw. */
export interface PredictorPoolObserver {
  /** A forward pass starts: its inputs, and how long each request in it waited for it. */
  batchStarted?(inputs: number, waitsMs: readonly number[]): void;
  /** A forward pass has answered (`ok`) or failed. */
  batchFinished?(inputs: number, ok: boolean): void;
  /** A worker was asked for a model: it held it (`loaded` false) or had to load it. */
  modelUsed?(loaded: boolean): void;
}

export interface PredictorPool extends Predictor {
  /** One entry per worker, for tests and diagnostics. */
  stats(): Promise<InferenceWorkerStats[]>;
}

/** Asked of a pool that is closed (the process is shutting down): retrying elsewhere helps. */
export class PredictorClosedError extends Error {
  override readonly name = 'PredictorClosedError';
  readonly code = 'PREDICTOR_CLOSED';

  constructor() {
    super('the predictor is shutting down; retry on another instance');
  }
}

/** Inputs run together: one model, with or without saliency maps. */
interface Batch {
  record: ModelVersion;
  explain: boolean;
}

interface Output {
  probabilities: Float32Array;
  saliency?: Saliency;
}

/**
 * A Predictor that classifies in worker threads, so the event loop stays free. Saliency maps
 * (`explain`) are computed there too, from a backward pass through the model. Aliases are
 * resolved through the registry here (the last answers stand in while Redis is down); each model is read (and hash-checked) through the
 * artifact store when a worker first needs it, then stays loaded in that worker until it is
 * among the least recently used beyond `cacheSize`.
 */
export function createPredictorPool(options: PredictorPoolOptions): PredictorPool {
  const { registry, store, backend = 'auto', tensorflowThreads = 1, observer } = options;
  const workers = positive(options.workers ?? 1, 'workers');
  const maxBatch = positive(options.maxBatch ?? 64, 'maxBatch');
  const cacheSize = positive(options.cacheSize ?? 3, 'cacheSize');
  const spawn = () =>
    new InferenceThread({ backend, batchSize: maxBatch, tensorflowThreads }, cacheSize);
  const threads = Array.from({ length: workers }, spawn);
  const reading = new Map<string, Promise<ModelArtifacts>>();
  const resolutions = new ResolutionCache((name) => registry.resolve(name));
  let closed = false;

  /** One store read per model however many workers ask for it at once. */
  function artifactsOf(record: ModelVersion): Promise<ModelArtifacts> {
    let artifacts = reading.get(record.id);
    if (!artifacts) {
      artifacts = store
        .open(record.artifact, { sha256: record.sha256 })
        .then((saved) => saved.artifacts)
        .finally(() => reading.delete(record.id));
      reading.set(record.id, artifacts);
    }
    return artifacts;
  }

  /** The least busy worker, preferring one that holds the model; a dead one is replaced. */
  function pick(key: string): InferenceThread {
    threads.forEach((thread, i) => {
      if (!thread.alive) threads[i] = spawn();
    });
    const score = (t: InferenceThread) => t.inFlight + (t.cache.has(key) ? 0 : 0.5);
    return threads.reduce((best, t) => (score(t) < score(best) ? t : best));
  }

  async function run({ record, explain }: Batch, items: Float32Array[]): Promise<Output[]> {
    if (closed) throw new PredictorClosedError();
    const size = items[0]?.length ?? 0;
    const inputs = new Float32Array(items.length * size);
    for (const [i, item] of items.entries()) inputs.set(item, i * size);
    // The thread asks for the artifacts only when it does not hold the model.
    let loaded = false;
    const load = () => {
      loaded = true;
      return artifactsOf(record);
    };
    const output = await pick(record.id)
      .predict(record.id, inputs, items.length, load, explain)
      .catch((err: unknown) => {
        if (loaded) observer?.modelUsed?.(true);
        observer?.batchFinished?.(items.length, false);
        throw err;
      });
    observer?.modelUsed?.(loaded);
    observer?.batchFinished?.(items.length, true);
    const n = output.numClasses;
    return items.map((_, i) => ({
      probabilities: output.probabilities.subarray(i * n, (i + 1) * n),
      saliency: output.saliency?.[i],
    }));
  }

  // One run per worker at a time: while they are busy, requests gather into larger batches.
  const batcher = new MicroBatcher(run, {
    maxBatch,
    maxDelayMs: options.maxDelayMs ?? 0,
    maxRunning: workers,
    onStart: (inputs, waitsMs) => observer?.batchStarted?.(inputs, waitsMs),
  });

  async function predict(
    modelIdOrAlias: string,
    inputs: Float32Array[],
    { explain = false }: PredictOptions = {},
  ) {
    if (closed) throw new PredictorClosedError();
    if (inputs.length === 0) {
      throw new InputError('INSTANCE_INVALID', 'no inputs to classify; send at least one');
    }
    if (explain && inputs.length > MAX_EXPLAINED_INSTANCES) {
      throw new InputError(
        'EXPLAIN_LIMIT',
        `${inputs.length} images would be explained; at most ${MAX_EXPLAINED_INSTANCES} per request (each needs a backward pass through the model): send fewer, or split the request`,
        { path: 'explain' },
      );
    }
    const record = await resolutions.get(modelIdOrAlias);
    const size = inputSize(record.spec);
    inputs.forEach((input, i) => {
      if (input.length !== size) {
        throw new InputError(
          'INSTANCE_INVALID',
          `has ${input.length} values; model '${record.id}' takes ${size}`,
          { path: `inputs[${i}]` },
        );
      }
    });
    // close() may have run while the registry answered.
    if (closed) throw new PredictorClosedError();
    // Explained inputs are merged only with other explained inputs: they take a backward pass.
    const key = explain ? `${record.id}#explain` : record.id;
    const outputs = await batcher.add(key, { record, explain }, inputs);
    return {
      model: { id: record.id, version: record.version },
      predictions: outputs.map((p) => toPrediction(p, record.classNames)),
    } satisfies PredictionResult;
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    const reason = new PredictorClosedError();
    batcher.cancel(reason);
    await Promise.all(threads.map((thread) => thread.terminate(reason)));
  }

  return {
    predict,
    close,
    stats: () => Promise.all(threads.map((thread) => thread.stats())),
  };
}

function toPrediction(
  { probabilities, saliency }: Output,
  classNames: readonly string[],
): Prediction {
  const label = argmax(probabilities);
  return {
    label,
    className: classNames[label] ?? String(label),
    probabilities: Array.from(probabilities),
    ...(saliency && { saliency }),
  };
}

/** Values per input: the spec's input shape multiplied out; Fashion-MNIST's 28x28x1 if absent. */
function inputSize(spec: object): number {
  const shape = (spec as { inputShape?: unknown }).inputShape;
  const valid =
    Array.isArray(shape) && shape.length > 0 && shape.every((d) => Number.isInteger(d) && d > 0);
  return valid ? (shape as number[]).reduce((a, b) => a * b, 1) : MODEL_INPUT_LENGTH;
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
