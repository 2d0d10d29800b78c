// /predict benchmark: requests per second and p50/p99 latency of single-image JSON
// requests from concurrent clients (a process of their own) over real HTTP, next to the raw model's images per
// second at batch 1 measured in the same run (same model, same backend, no HTTP), for
// native TensorFlow (where it loads) and wasm one after the other. Prints a table per
// backend, the native/wasm ratios, then one JSON line.

import { execFile } from 'node:child_process';
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
import { saveModelDir } from '../src/store/checkpoints.js';
import { createModelRegistry } from '../src/store/model-registry.js';

const run = promisify(execFile);
const quick = process.argv.includes('--quick');
const REQUESTS = quick ? 60 : 400;
const CONCURRENCY = [1, 4, 16];

const { test } = await loadFashionMnist({ dataDir: 'data', download: false });
const image = (i: number) => Array.from(test.images.subarray(i * 784, (i + 1) * 784));

interface Level {
  clients: number;
  requestsPerSecond: number;
  p50ms: number;
  p99ms: number;
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
  const saved = await saveModelDir(dir, 'checkpoint', {
    artifacts: await exportModel(model),
    meta: {},
  });
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
  // What the inference threads run on native TensorFlow: the forward pass as one graph.
  const addon = backend.tfjsName === 'tensorflow' ? loadGraphAddon() : undefined;
  let rawCompiled: number | undefined;
  if (addon && !(addon instanceof Error)) {
    const forward = CompiledForward.build(addon, model);
    const input = (i: number) => Float32Array.from(image(i), (v) => v / 255);
    for (let i = 0; i < 10; i++) forward.predict(input(i), 1);
    const started = performance.now();
    for (let i = 0; i < runs; i++) forward.predict(input(i), 1);
    rawCompiled = runs / ((performance.now() - started) / 1000);
    forward.dispose();
  }
  model.dispose();

  const pool = createPredictorPool({ registry, store, workers: 1, backend: backend.name });
  const app = buildApp(
    { version: 'bench', readiness: async () => ({}), predictor: pool },
    { logger: false },
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  // The callers run in a process of their own, as other services would: in this one their
  // own HTTP work would share the server's event loop and cap both backends alike.
  const levels: Level[] = [];
  for (const clients of CONCURRENCY) {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/predict-clients.ts',
        '--url',
        `${url}/v1/models/bench/predict`,
        '--clients',
        String(clients),
        '--requests',
        String(REQUESTS),
      ],
      { maxBuffer: 1 << 20 },
    );
    levels.push(JSON.parse(stdout.trim().split('\n').at(-1) as string) as Level);
  }

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
    levels,
  };
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
    `raw model, batch 1, ${r.backend}${r.detail ? ` (${r.detail})` : ''}: ${r.rawImagesPerSecond.toFixed(1)} images/s` +
      (r.rawCompiledImagesPerSecond
        ? `; compiled forward graph: ${r.rawCompiledImagesPerSecond.toFixed(1)} images/s`
        : '') +
      '\n',
  );
  for (const l of r.levels) {
    process.stdout.write(
      `${String(l.clients).padStart(2)} clients: ${l.requestsPerSecond.toFixed(1).padStart(7)} req/s ` +
        `(${(l.requestsPerSecond / r.rawImagesPerSecond).toFixed(2)}x raw)  p50 ${l.p50ms.toFixed(1)} ms  p99 ${l.p99ms.toFixed(1)} ms\n`,
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
