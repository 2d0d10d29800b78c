import { Worker } from 'node:worker_threads';
import type { LabelledImageSet } from '../../data/types.js';
import type { BackendChoice } from '../backend.js';
import type { EngineData, TrainingEngine } from '../engine.js';
import { parameterCount } from '../model-params.js';
import type { ModelArtifacts, OptimizerState } from '../model-state.js';
import { mixSeed } from '../random.js';
import type { BatchResult, EvalResult, ReplicaOptions } from '../replica.js';
import type { StepInput } from '../step-recipe.js';
import { workerEntry } from '../worker-entry.js';
import type { ReadyMessage, ReplicaWorkerData, Reply, Request } from './protocol.js';

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };
type Body = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

/**
 * Data-parallel training on worker threads: each replica (one wasm instance, one core)
 * takes an equal share of every batch; gradients are averaged through shared memory,
 * weighted by share size, and every replica applies the same update. Batch-norm batch
 * statistics are per share (as in PyTorch DDP without SyncBN); the moving statistics are
 * averaged across replicas before each evaluation and export.
 */
export class ParallelEngine implements TrainingEngine {
  readonly step = 'eager';
  backend = 'unknown';
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly data: EngineData,
    readonly replicas: number,
  ) {}

  static async start(
    data: EngineData,
    options: ReplicaOptions,
    { replicas, backend }: { replicas: number; backend: BackendChoice },
  ): Promise<ParallelEngine> {
    const engine = new ParallelEngine(data, replicas);
    const parameters = parameterCount(options.spec);
    const gradients = new SharedArrayBuffer(replicas * parameters * 4);
    const sets = {
      train: shared(data.train),
      val: shared(data.val),
      test: data.test && shared(data.test),
    };
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    try {
      const ready = await Promise.all(
        Array.from({ length: replicas }, (_, index) =>
          engine.spawn({
            index,
            backend,
            // Distinct seeds give each replica its own dropout masks; the weights are
            // made equal below.
            replica: { ...options, seed: index === 0 ? seed : mixSeed(seed, index) },
            sets,
            gradients,
            parameters,
          }),
        ),
      );
      engine.backend = ready[0]?.backend ?? 'unknown';
      await engine.importState(await engine.exportModel());
    } catch (err) {
      await engine.dispose();
      throw err;
    }
    return engine;
  }

  private spawn(workerData: ReplicaWorkerData): Promise<ReadyMessage> {
    const entry = workerEntry(import.meta.url, 'replica-worker');
    const worker = new Worker(entry.url, { workerData, eval: entry.eval });
    this.workers.push(worker);
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (message: Reply | ReadyMessage) => {
        if ('ready' in message) return resolve(message);
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok) waiting?.resolve(message.value);
        else waiting?.reject(new Error(`replica ${workerData.index}: ${message.error}`));
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`replica ${workerData.index} exited with ${code}`));
      });
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
  }

  private call<T>(worker: Worker, body: Body): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...body, id });
    });
  }

  private all<T>(body: (index: number) => Body): Promise<T[]> {
    return Promise.all(this.workers.map((w, i) => this.call<T>(w, body(i))));
  }

  async trainBatch(rows: Int32Array, step?: StepInput): Promise<BatchResult> {
    const shares = split(rows, this.replicas);
    const results = await this.all<Omit<BatchResult, never>>((i) => ({
      type: 'gradients',
      rows: shares[i] as Int32Array,
      augmentSeed: step?.augmentSeed,
    }));
    await this.all(() => ({
      type: 'apply',
      counts: results.map((r) => r.count),
      learningRate: step?.learningRate,
    }));
    const count = rows.length;
    return {
      count,
      correct: results.reduce((n, r) => n + r.correct, 0),
      loss: results.reduce((n, r) => n + r.loss * r.count, 0) / count,
    };
  }

  async evaluate(set: 'val' | 'test'): Promise<EvalResult> {
    const chosen = this.data[set];
    if (!chosen) throw new Error(`no ${set} set was given`);
    await this.syncStats();
    const shares = split(
      Int32Array.from({ length: chosen.count }, (_, i) => i),
      this.replicas,
    );
    const results = await this.all<EvalResult>((i) => ({
      type: 'evaluate',
      set,
      rows: shares[i] as Int32Array,
    }));
    // Shares are contiguous and in replica order, so concatenating restores row order.
    const predicted = new Uint8Array(chosen.count);
    const confidences = new Float32Array(chosen.count);
    let offset = 0;
    for (const r of results) {
      predicted.set(r.predicted, offset);
      confidences.set(r.confidences, offset);
      offset += r.predicted.length;
    }
    return { lossSum: results.reduce((n, r) => n + r.lossSum, 0), predicted, confidences };
  }

  /** Averages the replicas' batch-norm moving statistics into every replica. */
  private async syncStats(): Promise<void> {
    if (this.replicas < 2) return;
    const all = await this.all<Float32Array[]>(() => ({ type: 'getStats' }));
    const mean = (all[0] as Float32Array[]).map((first, k) => {
      const out = new Float32Array(first.length);
      for (const stats of all) {
        const s = stats[k] as Float32Array;
        for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (s[i] as number);
      }
      return out.map((v) => v / all.length);
    });
    await this.all(() => ({ type: 'setStats', values: mean }));
  }

  /** Each replica's weight digest, after syncing statistics: all equal unless something broke. */
  async replicaDigests(): Promise<string[]> {
    await this.syncStats();
    return this.all<string>(() => ({ type: 'digest' }));
  }

  async exportModel(): Promise<ModelArtifacts> {
    await this.syncStats();
    return this.call(this.workers[0] as Worker, { type: 'exportModel' });
  }

  exportOptimizer(): Promise<OptimizerState> {
    return this.call(this.workers[0] as Worker, { type: 'exportOptimizer' });
  }

  async importState(model: ModelArtifacts, optimizer?: OptimizerState): Promise<void> {
    await this.all(() => ({ type: 'importState', model, optimizer }));
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** Contiguous, near-equal shares (sizes differ by at most one). */
function split(rows: Int32Array, parts: number): Int32Array[] {
  const shares: Int32Array[] = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const size = Math.floor(rows.length / parts) + (p < rows.length % parts ? 1 : 0);
    // A copy: posting a view would clone its whole underlying buffer.
    shares.push(rows.slice(start, start + size));
    start += size;
  }
  return shares;
}

/** Copies a set's pixels and labels into shared memory, so workers read without copies. */
function shared(set: LabelledImageSet): LabelledImageSet {
  const images = new Uint8Array(new SharedArrayBuffer(set.images.length));
  images.set(set.images);
  const labels = new Uint8Array(new SharedArrayBuffer(set.labels.length));
  labels.set(set.labels);
  return { ...set, images, labels };
}
