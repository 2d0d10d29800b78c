import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { IdxImages } from '../../src/data/idx.js';
import { createPredictorPool, type PredictorPool } from '../../src/inference/predictor-pool.js';
import { selectBackend } from '../../src/ml/backend.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { type ArtifactStore, createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { buildTestApp } from '../api/helper.js';
import { imageAt, loadTestImages, sampleIndices } from '../inference/support/fashion-images.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { registerSpreadModel } from './support.js';

// Two conv blocks (pool 1 and 2), dropout on, three dense blocks: every layer class we export.
const SPEC = parseSpec({
  conv: [
    { channels: 6, pool: 1 },
    { channels: 8, pool: 2, activation: 'elu' },
  ],
  dense: [{ neurons: 24, dropout: 0.4 }, { neurons: 12, activation: 'tanh', dropout: 0.2 }, {}],
});

const { redis, prefix } = useRedisPrefix('export-tfjs');
const registry = createModelRegistry({ redis, prefix });
let dir: string;
let store: ArtifactStore;
let pool: PredictorPool;
let app: App;
let base: string;
let set: IdxImages;
const created: LayersModel[] = [];

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'tailor-export-tfjs-'));
  store = createFileArtifactStore(join(dir, 'store'));
  for (const [id, seed] of [
    ['export-a', 11],
    ['export-b', 12],
    ['export-tampered', 13],
  ] as const) {
    created.push(await registerSpreadModel({ registry, store }, SPEC, id, seed));
  }
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

const images = () => sampleIndices(set, 24).map((i) => imageAt(set, i));

/** What tailor's own predict route answers for the images, as [0, 255] rows. */
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

/** The loaded model's predictions on the same images, scaled to [0, 1] as tailor scales them. */
function localPredictions(model: LayersModel, batch: Uint8Array[]): number[][] {
  return tf.tidy(() => {
    const pixels = Float32Array.from(
      batch.flatMap((image) => Array.from(image)),
      (v) => v / 255,
    );
    const x = tf.tensor4d(pixels, [batch.length, 28, 28, 1]);
    return (model.predict(x) as tf.Tensor).arraySync() as number[][];
  });
}

function maxDiff(a: number[][], b: number[][]): number {
  expect(a).toHaveLength(b.length);
  return Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - (b[i]?.[j] ?? NaN)))));
}

describe('TF.js layers export over HTTP', () => {
  it('loads with stock tf.loadLayersModel and predicts as tailor does', async () => {
    const loaded = await loadLayersModel(`${base}/v1/models/export-a/export/tfjs/model.json`);
    try {
      expect(loaded.layers.map((layer) => layer.getClassName())).toContain('Dropout');
      expect(loaded.getUserDefinedMetadata()).toMatchObject({
        model: { id: 'export-a', version: 1 },
        classNames: expect.arrayContaining(['T-shirt/top']),
      });
      const batch = images();
      const want = await tailorPredictions('export-a', batch);
      expect(maxDiff(localPredictions(loaded, batch), want)).toBeLessThan(1e-5);
      // Spread batch-norm statistics make the two models disagree: the comparison can fail.
      expect(maxDiff(await tailorPredictions('export-b', batch), want)).toBeGreaterThan(1e-3);
    } finally {
      loaded.dispose();
    }
  });

  it('redirects ?format=tfjs (the default) to the resolved model id', async () => {
    await registry.setAlias('staging', 'export-a');
    for (const query of ['?format=tfjs', '']) {
      const res = await fetch(`${base}/v1/models/staging/export${query}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/v1/models/export-a/export/tfjs/model.json');
    }
  });

  it('loads through an alias, with weights pinned to the model the alias named', async () => {
    await registry.setAlias('staging', 'export-a');
    const url = `${base}/v1/models/staging/export/tfjs/model.json`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    const json = (await res.json()) as { weightsManifest: { paths: string[] }[] };
    const [path] = json.weightsManifest[0]?.paths ?? [];
    // The alias moves to another model between the two downloads...
    await registry.setAlias('staging', 'export-b');
    const weights = await fetch(new URL(path as string, url));
    const own = await fetch(`${base}/v1/models/export-a/export/tfjs/weights.bin`);
    // ...and the weights still belong to the model.json's model.
    expect(Buffer.from(await weights.arrayBuffer())).toEqual(Buffer.from(await own.arrayBuffer()));

    const loaded = await loadLayersModel(url);
    try {
      const batch = images().slice(0, 8);
      const want = await tailorPredictions('export-b', batch);
      expect(maxDiff(localPredictions(loaded, batch), want)).toBeLessThan(1e-5);
    } finally {
      loaded.dispose();
    }
  });

  it('marks id URLs immutable and tags them with the model digest', async () => {
    const res = await fetch(`${base}/v1/models/export-a/export/tfjs/weights.bin`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
  });

  it('answers 404 for an unknown model, 400 for a bad id or format', async () => {
    const missing = await fetch(`${base}/v1/models/nope/export/tfjs/model.json`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');

    const hostile = await fetch(`${base}/v1/models/..%2F..%2Fetc/export/tfjs/weights.bin`);
    expect(hostile.status).toBe(400);
    expect(((await hostile.json()) as { error: { code: string } }).error.code).toBe('INVALID_ID');

    const format = await fetch(`${base}/v1/models/export-a/export?format=onnx`);
    expect(format.status).toBe(400);
    const body = (await format.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toMatch(/format/);
  });

  it('refuses to serve a model whose stored files were changed', async () => {
    const file = join(dir, 'store', 'export-tampered', 'weights.bin');
    const bytes = await readFile(file);
    bytes[0] = (bytes[0] as number) ^ 0xff;
    await writeFile(file, bytes);
    for (const path of [
      'export/tfjs/model.json',
      'export/tfjs/weights.bin',
      'export?format=keras',
    ]) {
      const res = await fetch(`${base}/v1/models/export-tampered/${path}`);
      expect(res.status).toBe(500);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'MODEL_INTEGRITY',
      );
    }
  });
});
