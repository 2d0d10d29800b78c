// Predict benchmark: requests per second and p50/p99 latency of single-image JSON requests
// from concurrent clients (a process of their own) over real HTTP, on tailor's predict route
// and on the Open Inference Protocol's infer route, next to the raw model's images per second
// at batch 1 and at the batcher's largest batch measured in the same run (same model, same
// backend, no HTTP), for native TensorFlow (where it loads) and wasm one after the other. Prints a table per
// backend, the native/wasm ratios, then one JSON line. With --beside-training it also
// serves native predict while a compiled training process runs on the same cores, with
// every core and with one training thread, and prints what each costs the other.

import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { Redis } from 'ioredis';
import { buildApp } from '../src/app.js';
import { loadFashionMnist } from '../src/data/index.js';
import { createPredictorPool } from '../src/inference/predictor-pool.js';
import { type BackendName, selectBackend } from '../src/ml/backend.js';
import { CompiledForward } from '../src/ml/compiled/forward-graph.js';
import { loadGraphAddon } from '../src/ml/compiled/graph-addon.js';
import { createModel } from '../src/ml/model.js';
import { exportModel } from '../src/ml/model-state.js';
import { DEFAULT_SPEC } from '../src/ml/spec.js';
import { createFileArtifactStore } from '../src/store/artifact-store.js';
import { createModelRegistry } from '../src/store/model-registry.js';

const run = promisify(execFile);
const quick = process.argv.includes('--quick');
const besideTraining = process.argv.includes('--beside-training');
const SHARED_SECONDS = quick ? 5 : 15;
/** Each level sends requests this long (after the callers' own warm-up): long enough to be steady. */
const LEVEL_SECONDS = quick ? 1 : 5;
const CONCURRENCY = [1, 16, 32];
/** The predictor pool's default largest batch: what the batcher reaches under load. */
const BEST_BATCH = 64;
/** The routes measured, with the body the callers send to each. */
const ROUTES = [
  { name: 'tailor predict', path: '/v1/models/bench/predict', body: 'tailor' },
  { name: 'OIP infer', path: '/v2/models/bench/infer', body: 'oip' },
] as const;

const { test } = await loadFashionMnist({ dataDir: 'data', download: false });
const image = (i: number) => Array.from(test.images.subarray(i * 784, (i + 1) * 784));

interface Level {
  clients: number;
  requestsPerSecond: number;
  p50ms: number;
  p99ms: number;
  /** Requests the callers sent, warm-up included. */
  sent: number;
  /** Images per forward pass the batcher ran for them: its adaptation to the load. */
  meanBatch?: number;
}

/** The seed model served on one backend: raw batch-1 rate, then HTTP at each concurrency. */
async function measure(name: BackendName) {
  const backend = await selectBackend(name);
  const dir = await mkdtemp(join(tmpdir(), 'tailor-bench-predict-'));
  const redis = new Redis('redis://127.0.0.1:6379');
  const prefix = `bench-predict-${process.pid}-${name}`;
  const registry = createModelRegistry({ redis, prefix });
  const store = createFileArtifactStore(join(dir, 'models'));
  const model = createModel(DEFAULT_SPEC, { seed: 1 });
  const saved = {
    artifacts: await exportModel(model),
    meta: {},
  };
  const stored = await store.putModel('bench', saved);
  await registry.register({
    id: 'bench',
    jobId: 'bench',
    spec: DEFAULT_SPEC,
    metrics: {},
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    artifact: 'bench',
    sha256: stored.sha256,
    backend: backend.name,
  });

  // The raw model, batch 1, in this thread.
  const runs = quick ? 50 : 300;
  const one = (i: number) =>
    tf.tidy(() =>
      (model.predict(tf.div(tf.tensor4d(image(i), [1, 28, 28, 1]), 255)) as tf.Tensor).dataSync(),
    );
  for (let i = 0; i < 10; i++) one(i);
  const rawStarted = performance.now();
  for (let i = 0; i < runs; i++) one(i);
  const raw = runs / ((performance.now() - rawStarted) / 1000);
  // The raw model at the batcher's largest batch: what batching can reach at best.
  const batches = quick ? 5 : 30;
  const batchPixels = (i: number) =>
    Float32Array.from(
      { length: BEST_BATCH * 784 },
      (_, k) => (test.images[(i * BEST_BATCH * 784 + k) % test.images.length] as number) / 255,
    );
  const inputs = Array.from({ length: 4 }, (_, i) => batchPixels(i));
  const batched = (i: number) =>
    tf.tidy(() =>
      (
        model.predict(
          tf.tensor4d(inputs[i % inputs.length] as Float32Array, [BEST_BATCH, 28, 28, 1]),
        ) as tf.Tensor
      ).dataSync(),
    );
  batched(0);
  const batchStarted = performance.now();
  for (let i = 0; i < batches; i++) batched(i);
  const rawBatched = (batches * BEST_BATCH) / ((performance.now() - batchStarted) / 1000);
  // What the inference threads run on native TensorFlow: the forward pass as one graph.
  const addon = backend.tfjsName === 'tensorflow' ? loadGraphAddon() : undefined;
  let rawCompiled: number | undefined;
  let rawCompiledBatched: number | undefined;
  if (addon && !(addon instanceof Error)) {
    const forward = CompiledForward.build(addon, model);
    const input = (i: number) => Float32Array.from(image(i), (v) => v / 255);
    for (let i = 0; i < 10; i++) forward.predict(input(i), 1);
    const started = performance.now();
    for (let i = 0; i < runs; i++) forward.predict(input(i), 1);
    rawCompiled = runs / ((performance.now() - started) / 1000);
    forward.predict(inputs[0] as Float32Array, BEST_BATCH);
    const batchedStarted = performance.now();
    for (let i = 0; i < batches; i++) {
      forward.predict(inputs[i % inputs.length] as Float32Array, BEST_BATCH);
    }
    rawCompiledBatched = (batches * BEST_BATCH) / ((performance.now() - batchedStarted) / 1000);
    forward.dispose();
  }
  model.dispose();

  const pool = createPredictorPool({ registry, store, workers: 1, backend: backend.name });
  const app = buildApp(
    { version: 'bench', readiness: async () => ({}), predictor: pool, models: { registry, store } },
    { logger: false },
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  // The callers run in a process of their own, as other services would: in this one their
  // own HTTP work would share the server's event loop and cap both backends alike.
  const target = `${url}/v1/models/bench/predict`;
  const routes = [];
  for (const route of ROUTES) {
    const levels: Level[] = [];
    for (const clients of CONCURRENCY) {
      const batchesBefore = await batchCount(pool);
      const level = await callers(`${url}${route.path}`, clients, [
        '--seconds',
        String(LEVEL_SECONDS),
        '--body',
        route.body,
      ]);
      level.meanBatch = level.sent / ((await batchCount(pool)) - batchesBefore);
      levels.push(level);
    }
    routes.push({ route: route.name, path: route.path, levels });
  }
  const levels = routes[0]?.levels ?? [];
  const shared =
    besideTraining && backend.tfjsName === 'tensorflow' ? await sharedHost(target) : undefined;

  await app.close();
  await pool.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
  return {
    backend: backend.name,
    detail: backend.detail,
    rawImagesPerSecond: raw,
    rawCompiledImagesPerSecond: rawCompiled,
    rawBatchedImagesPerSecond: rawBatched,
    rawCompiledBatchedImagesPerSecond: rawCompiledBatched,
    levels,
    routes,
    shared,
  };
}

/** Forward passes the pool's workers have run. */
async function batchCount(pool: { stats(): Promise<{ batches: number }[]> }): Promise<number> {
  return (await pool.stats()).reduce((n, s) => n + s.batches, 0);
}

/** One run of the callers' process against `url`; its last stdout line is its result. */
async function callers(url: string, clients: number, limit: string[]): Promise<Level> {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/predict-clients.ts',
      '--url',
      url,
      '--clients',
      String(clients),
      ...limit,
    ],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Level;
}

/**
 * A compiled training process on native TensorFlow for SHARED_SECONDS after its warm-up,
 * with `threads` TensorFlow threads (0: every core); `onWarm` runs when the warm-up is done.
 */
function trainer(threads: number, onWarm?: () => void): Promise<number> {
  const args = ['--import', 'tsx', 'bench/train-contender.ts', '--backend', 'tensorflow'];
  args.push('--step', 'compiled', '--threads', String(threads));
  args.push('--seconds', String(SHARED_SECONDS));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('contender warm')) onWarm?.();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1);
      if (code !== 0 || !last) return reject(new Error(`training contender exited with ${code}`));
      resolve((JSON.parse(last) as { imagesPerSecond: number }).imagesPerSecond);
    });
  });
}

interface Shared {
  trainingThreads: number;
  trainAlone: number;
  trainBeside: number;
  predictBeside: Level;
}

/**
 * Predict and training on one host: 16 callers alone, then beside a training process with
 * every core and with one thread (TAILOR_TRAINING_THREADS), each also measured alone.
 */
async function sharedHost(url: string) {
  const seconds = ['--seconds', String(SHARED_SECONDS)];
  const predictAlone = await callers(url, 16, seconds);
  const runs: Shared[] = [];
  for (const trainingThreads of [0, 1]) {
    const trainAlone = await trainer(trainingThreads);
    let predicting: Promise<Level> | undefined;
    const trainBeside = await trainer(trainingThreads, () => {
      predicting = callers(url, 16, seconds);
    });
    if (!predicting) throw new Error('the training contender never said it was warm');
    runs.push({ trainingThreads, trainAlone, trainBeside, predictBeside: await predicting });
  }
  return { predictAlone, runs };
}

const results = [];
for (const name of ['tensorflow', 'wasm'] as const) {
  try {
    results.push(await measure(name));
  } catch (err) {
    process.stderr.write(`${name} skipped: ${(err as Error).message}\n`);
  }
}
for (const r of results) {
  process.stdout.write(
    `raw model, ${r.backend}${r.detail ? ` (${r.detail})` : ''}: batch 1 ${r.rawImagesPerSecond.toFixed(1)} images/s, batch ${BEST_BATCH} ${r.rawBatchedImagesPerSecond.toFixed(1)} images/s` +
      (r.rawCompiledImagesPerSecond
        ? `; compiled forward graph: batch 1 ${r.rawCompiledImagesPerSecond.toFixed(1)}, batch ${BEST_BATCH} ${r.rawCompiledBatchedImagesPerSecond?.toFixed(1)} images/s`
        : '') +
      '\n',
  );
  // What the inference threads run: the compiled graph on native TensorFlow, else the model.
  const best = r.rawCompiledBatchedImagesPerSecond ?? r.rawBatchedImagesPerSecond;
  for (const route of r.routes) {
    process.stdout.write(`  ${route.route} (${route.path}):\n`);
    for (const l of route.levels) {
      process.stdout.write(
        `  ${String(l.clients).padStart(2)} clients: ${l.requestsPerSecond.toFixed(1).padStart(7)} req/s ` +
          `(${(l.requestsPerSecond / best).toFixed(2)}x raw batch ${BEST_BATCH})  p50 ${l.p50ms.toFixed(1)} ms  p99 ${l.p99ms.toFixed(1)} ms  ` +
          `mean batch ${l.meanBatch?.toFixed(1)}\n`,
      );
    }
  }
}
for (const r of results) {
  if (!r.shared) continue;
  process.stdout.write(
    `predict (16 clients) beside a compiled training process, ${SHARED_SECONDS} s each; predict alone ${r.shared.predictAlone.requestsPerSecond.toFixed(1)} req/s\n`,
  );
  for (const s of r.shared.runs) {
    const threads = s.trainingThreads === 0 ? 'every core' : `${s.trainingThreads} thread`;
    process.stdout.write(
      `  training on ${threads.padEnd(10)}: train ${s.trainAlone.toFixed(0)} -> ${s.trainBeside.toFixed(0)} img/s ` +
        `(${(s.trainBeside / s.trainAlone).toFixed(2)}x), predict ${s.predictBeside.requestsPerSecond.toFixed(1)} req/s ` +
        `(${(s.predictBeside.requestsPerSecond / r.shared.predictAlone.requestsPerSecond).toFixed(2)}x) p99 ${s.predictBeside.p99ms.toFixed(1)} ms\n`,
    );
  }
}
const [native, wasm] = [
  results.find((r) => r.backend === 'tensorflow'),
  results.find((r) => r.backend === 'wasm'),
];
const nativeToWasm =
  native && wasm
    ? Object.fromEntries(
        native.levels.map((l, i) => [
          `${l.clients}_clients`,
          l.requestsPerSecond / (wasm.levels[i]?.requestsPerSecond ?? Number.NaN),
        ]),
      )
    : undefined;
if (nativeToWasm) {
  const said = Object.entries(nativeToWasm).map(
    ([k, v]) => `${k.replace('_', ' ')} ${v.toFixed(2)}x`,
  );
  process.stdout.write(`native / wasm over HTTP: ${said.join(', ')}\n`);
}
process.stdout.write(`${JSON.stringify({ results, nativeToWasm })}\n`);
