import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { IdxImages } from '../../src/data/idx.js';
import { createPredictorPool, type PredictorPool } from '../../src/inference/predictor-pool.js';
import { selectBackend } from '../../src/ml/backend.js';
import { DEFAULT_SPEC } from '../../src/ml/spec.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { type ArtifactStore, createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { buildTestApp } from '../api/helper.js';
import { imageAt, loadTestImages, sampleIndices } from '../inference/support/fashion-images.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { kerasPeerPython, kerasPredict } from './keras-peer.js';
import { registerSpreadModel } from './support.js';

// Activations Keras and tfjs both name, pooling 1 and 2, dropout on, no hidden dense block.
const SMALL = parseSpec({
  conv: [
    { channels: 6, pool: 1, activation: 'selu' },
    { channels: 8, pool: 2, activation: 'swish' },
  ],
  dense: [{ neurons: 20, activation: 'sigmoid', dropout: 0.5 }, {}],
});

const { redis, prefix } = useRedisPrefix('export-keras');
const registry = createModelRegistry({ redis, prefix });
let dir: string;
let store: ArtifactStore;
let pool: PredictorPool;
let app: App;
let base: string;
let set: IdxImages;
const created: LayersModel[] = [];

beforeAll(async () => {
  // Fails here, before any work, when the peer is missing.
  kerasPeerPython();
  await selectBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'tailor-export-keras-'));
  store = createFileArtifactStore(join(dir, 'store'));
  created.push(await registerSpreadModel({ registry, store }, SMALL, 'keras-small', 21));
  created.push(await registerSpreadModel({ registry, store }, DEFAULT_SPEC, 'keras-seed', 22));
  await registry.setAlias('production', 'keras-small');
  set = await loadTestImages();
  pool = createPredictorPool({ registry, store, workers: 1 });
  app = buildTestApp({ predictor: pool, models: { registry, store } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await pool?.close();
  for (const model of created) model.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function tailorPredictions(model: string, batch: Uint8Array[]): Promise<number[][]> {
  const res = await fetch(`${base}/v1/models/${model}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: batch.map((image) => Array.from(image)) }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { predictions: { probabilities: number[] }[] };
  return body.predictions.map((p) => p.probabilities);
}

async function download(idOrAlias: string): Promise<{ path: string; res: Response }> {
  const res = await fetch(`${base}/v1/models/${idOrAlias}/export?format=keras`);
  expect(res.status).toBe(200);
  const path = join(dir, `${idOrAlias}.keras`);
  await writeFile(path, Buffer.from(await res.clone().arrayBuffer()));
  return { path, res };
}

function maxDiff(a: number[][], b: number[][]): number {
  expect(a).toHaveLength(b.length);
  return Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - (b[i]?.[j] ?? NaN)))));
}

describe('Keras 3 export', () => {
  it('loads in Keras 3 on TensorFlow 2.21 and predicts within 1e-4 of tailor', async () => {
    const batch = sampleIndices(set, 32).map((i) => imageAt(set, i));
    const small = await download('production');
    expect(small.res.headers.get('content-type')).toBe('application/zip');
    expect(small.res.headers.get('content-disposition')).toBe(
      'attachment; filename="keras-small.keras"',
    );
    const seed = await download('keras-seed');

    const answer = await kerasPredict(
      { small: small.path, seed: seed.path },
      batch.map((image) => Float32Array.from(image, (v) => v / 255)),
    );
    expect(answer.keras_version).toMatch(/^3\./);
    const wantSmall = await tailorPredictions('keras-small', batch);
    const wantSeed = await tailorPredictions('keras-seed', batch);
    expect(maxDiff(answer.models.small?.predictions ?? [], wantSmall)).toBeLessThan(1e-4);
    expect(maxDiff(answer.models.seed?.predictions ?? [], wantSeed)).toBeLessThan(1e-4);
    // The two models disagree, so matching the right one is not luck.
    expect(maxDiff(wantSmall, wantSeed)).toBeGreaterThan(1e-2);
    expect(answer.models.seed?.layers).toEqual([
      'InputLayer',
      ...Array(3)
        .fill(['ZeroPadding2D', 'Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D'])
        .flat(),
      'Flatten',
      ...Array(3).fill(['BatchNormalization', 'Dropout', 'Dense']).flat(),
    ]);
  }, 300_000);
});
