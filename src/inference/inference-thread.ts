import { Worker } from 'node:worker_threads';
import type { ModelArtifacts } from '../ml/model-state.js';
import { workerEntry } from '../ml/worker-entry.js';
import type {
  InferenceReady,
  InferenceReply,
  InferenceRequest,
  InferenceWorkerData,
  InferenceWorkerStats,
  PredictOutput,
} from './inference-protocol.js';
import { ModelCache } from './model-cache.js';

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };
type Body = InferenceRequest extends infer R
  ? R extends InferenceRequest
    ? Omit<R, 'id'>
    : never
  : never;

/** One inference worker thread as the pool sees it: its requests and the models it holds. */
export class InferenceThread {
  readonly cache: ModelCache;
  /** Resolves with the backend's name once the worker's engine is up. */
  readonly ready: Promise<string>;
  /** Predictions dispatched here and not yet answered, for balancing. */
  inFlight = 0;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(data: InferenceWorkerData, cacheSize: number) {
    this.cache = new ModelCache(cacheSize);
    const entry = workerEntry(import.meta.url, 'inference-worker');
    this.worker = new Worker(entry.url, { workerData: data, eval: entry.eval });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (message: InferenceReply | InferenceReady) => {
        if ('ready' in message) return resolve(message.backend);
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok) waiting?.resolve(message.value);
        else waiting?.reject(new Error(`inference worker: ${message.error}`));
      });
      this.worker.on('error', (err) => {
        reject(err);
        this.fail(err);
      });
      this.worker.on('exit', (code) => {
        const err = new Error(`inference worker exited with code ${code}`);
        reject(err);
        this.fail(err);
      });
    });
    // A worker that never starts is reported to the requests that wait for it, not as an
    // unhandled rejection.
    this.ready.catch(() => {});
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  /**
   * Classifies `count` inputs with model `key`, sending the model along (from `load`) when
   * this worker does not hold it. The cache is updated right before posting, so it changes in
   * the same order as the worker's own state. `explain` adds each input's saliency map.
   */
  async predict(
    key: string,
    inputs: Float32Array,
    count: number,
    load: () => Promise<ModelArtifacts>,
    explain = false,
  ): Promise<PredictOutput> {
    this.inFlight++;
    try {
      await this.ready;
      const artifacts = this.cache.has(key) ? undefined : await load();
      const evict = this.cache.use(key);
      const body: Body = {
        type: 'predict',
        model: key,
        evict,
        load: artifacts,
        inputs,
        count,
        explain,
      };
      return await this.send<PredictOutput>(body, [inputs.buffer as ArrayBuffer]).catch((err) => {
        // The worker builds a model before using it, so a failure may mean it holds none.
        if (artifacts) this.cache.delete(key);
        throw err;
      });
    } finally {
      this.inFlight--;
    }
  }

  async stats(): Promise<InferenceWorkerStats> {
    await this.ready;
    return this.send({ type: 'stats' });
  }

  /** Stops the worker; whatever is still waiting is rejected with `reason`. */
  async terminate(reason: Error): Promise<void> {
    this.fail(reason);
    await this.worker.terminate();
  }

  private send<T>(body: Body, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...body, id }, transfer);
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }
}
