import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { IdxImages } from '../../src/data/idx.js';
import { CLASS_NAMES } from '../../src/data/index.js';
import { createPredictorPool, type PredictorPool } from '../../src/inference/predictor-pool.js';
import { selectBackend } from '../../src/ml/backend.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { type ArtifactStore, createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { encodePng, imageAt, loadTestImages } from '../inference/support/fashion-images.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { registerModel as registerSharedModel } from '../support/registered-model.js';
import { buildTestApp } from './helper.js';

const SPEC = parseSpec({ conv: [{ channels: 4, pool: 2 }], dense: [{ neurons: 16 }, {}] });

const { redis, prefix } = useRedisPrefix('predict-api');
const registry = createModelRegistry({ redis, prefix });
let dir: string;
let store: ArtifactStore;
let pool: PredictorPool;
let app: App;
let set: IdxImages;
const models: LayersModel[] = [];

async function registerModel(id: string, seed: number): Promise<LayersModel> {
  const model = await registerSharedModel({ registry, store }, SPEC, id, seed);
  models.push(model);
  return model;
}

/** Test images 0..count-1 as Fashion-MNIST bytes. */
const bytesOf = (count: number) => Array.from({ length: count }, (_, i) => imageAt(set, i));

/** The in-process answer for the same images, scaled as the API scales [0, 255] values. */
function reference(model: LayersModel, images: Uint8Array[]): number[][] {
  return tf.tidy(() => {
    const pixels = new Float32Array(images.length * 784);
    for (const [i, image] of images.entries()) {
      pixels.set(
        Float32Array.from(image, (v) => v / 255),
        i * 784,
      );
    }
    const x = tf.tensor4d(pixels, [images.length, 28, 28, 1]);
    return (model.predict(x) as tf.Tensor).arraySync() as number[][];
  });
}

const argmax = (values: number[]) => values.indexOf(Math.max(...values));
const maxDiff = (a: number[], b: number[]) =>
  Math.max(...a.map((value, i) => Math.abs(value - (b[i] as number))));
/** 28 rows of 28 integers, one of the accepted JSON layouts. */
const rows = (image: Uint8Array) =>
  Array.from({ length: 28 }, (_, r) => Array.from(image.subarray(r * 28, (r + 1) * 28)));

interface Body {
  model: { id: string; version: number };
  predictions: { label: number; className: string; probabilities: number[] }[];
  error?: { code: string; message: string };
}

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'tailor-predict-api-'));
  store = createFileArtifactStore(join(dir, 'store'));
  await registerModel('model-a', 1);
  await registerModel('model-b', 2);
  set = await loadTestImages();
  pool = createPredictorPool({ registry, store, workers: 2 });
  app = buildTestApp({ predictor: pool, models: { registry, store } });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await pool?.close();
  for (const model of models) model.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('POST /v1/models/:id/predict', () => {
  it('classifies JSON instances as the model does in process', async () => {
    const images = bytesOf(16);
    const res = await request(app.server)
      .post('/v1/models/model-a/predict')
      .send({ instances: images.map(rows) })
      .expect(200);
    const body = res.body as Body;
    expect(body.model).toEqual({ id: 'model-a', version: 1 });
    const expected = reference(models[0] as LayersModel, images);
    body.predictions.forEach((prediction, i) => {
      const want = expected[i] as number[];
      expect(prediction.probabilities).toHaveLength(10);
      expect(maxDiff(prediction.probabilities, want)).toBeLessThan(1e-5);
      expect(prediction.label).toBe(argmax(want));
      expect(prediction.className).toBe(CLASS_NAMES[prediction.label]);
    });
  });

  it('gives uploaded PNGs of the same images the same labels', async () => {
    const images = bytesOf(8);
    const labels = reference(models[0] as LayersModel, images).map(argmax);
    for (const invert of ['false', undefined]) {
      let req = request(app.server).post('/v1/models/model-a/predict');
      images.forEach((image, i) => {
        req = req.attach('file', encodePng(image, 28, 28), `image-${i}.png`);
      });
      if (invert !== undefined) req = req.field('invert', invert);
      const body = (await req.expect(200)).body as Body;
      expect(body.predictions.map((p) => p.label)).toEqual(labels);
    }
  });

  it('answers 404 for an unknown model', async () => {
    const res = await request(app.server)
      .post('/v1/models/no-such-model/predict')
      .send({ instances: bytesOf(1).map(rows) })
      .expect(404);
    expect((res.body as Body).error).toMatchObject({
      code: 'NOT_FOUND',
      message: "no model or alias named 'no-such-model'",
    });
  });

  it('answers 400 naming the instance with the wrong number of pixels', async () => {
    const res = await request(app.server)
      .post('/v1/models/model-a/predict')
      .send({ instances: [Array.from({ length: 100 }, () => 0)] })
      .expect(400);
    expect((res.body as Body).error?.code).toBe('INSTANCE_INVALID');
    expect((res.body as Body).error?.message).toMatch(
      /^instances\[0\]: has 100 values; expected 784/,
    );
  });

  it('answers 400 naming the instance with a pixel out of range', async () => {
    const pixels = Array.from({ length: 784 }, () => 0);
    pixels[5] = 300;
    const res = await request(app.server)
      .post('/v1/models/model-a/predict')
      .send({ instances: [Array.from({ length: 784 }, () => 0), pixels] })
      .expect(400);
    expect((res.body as Body).error?.code).toBe('PIXEL_OUT_OF_RANGE');
    expect((res.body as Body).error?.message).toMatch(/^instances\[1\]/);
  });

  it('classifies a base64 PNG instance like the same pixels as numbers', async () => {
    const png = encodePng(imageAt(set, 0), 28, 28);
    const [asImage, asNumbers] = await Promise.all([
      request(app.server)
        .post('/v1/models/model-a/predict')
        .send({ instances: [{ b64: Buffer.from(png).toString('base64') }], invert: false })
        .expect(200),
      request(app.server)
        .post('/v1/models/model-a/predict')
        .send({ instances: [Array.from(imageAt(set, 0))] })
        .expect(200),
    ]);
    expect(asImage.body.predictions[0].label).toBe(asNumbers.body.predictions[0].label);
  });

  it('answers 400 for unknown JSON keys and bad form fields', async () => {
    const unknownKey = await request(app.server)
      .post('/v1/models/model-a/predict')
      .send({ instances: bytesOf(1).map(rows), signature_name: 'serving_default' })
      .expect(400);
    expect((unknownKey.body as Body).error?.code).toBe('VALIDATION_FAILED');
    const badInvert = await request(app.server)
      .post('/v1/models/model-a/predict')
      .attach('file', encodePng(bytesOf(1)[0] as Uint8Array, 28, 28), 'a.png')
      .field('invert', 'sometimes')
      .expect(400);
    expect((badInvert.body as Body).error?.code).toBe('OPTION_INVALID');
    const noFile = await request(app.server)
      .post('/v1/models/model-a/predict')
      .field('invert', 'auto')
      .expect(400);
    expect((noFile.body as Body).error?.message).toMatch(/no file/);
  });

  it('answers 415 for an upload that is not an image, and for other content types', async () => {
    const res = await request(app.server)
      .post('/v1/models/model-a/predict')
      .attach('file', Buffer.from('name,label\nshirt,0\n'), 'data.png')
      .expect(415);
    expect((res.body as Body).error?.code).toBe('IMAGE_NOT_SUPPORTED');
    expect((res.body as Body).error?.message).toMatch(/^files\[0\]: /);
    await request(app.server)
      .post('/v1/models/model-a/predict')
      .set('content-type', 'text/plain')
      .send('hello')
      .expect(415);
  });

  it('answers 413 for an upload over 5 MB', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 1);
    big.set(encodePng(bytesOf(1)[0] as Uint8Array, 28, 28));
    const res = await request(app.server)
      .post('/v1/models/model-a/predict')
      .attach('file', big, 'big.png')
      .expect(413);
    expect((res.body as Body).error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'an uploaded file is larger than 5 MB',
    });
  });
  it('answers 413 for more than 64 files', async () => {
    const png = encodePng(bytesOf(1)[0] as Uint8Array, 28, 28);
    let req = request(app.server).post('/v1/models/model-a/predict');
    for (let i = 0; i < 65; i++) req = req.attach('file', png, `image-${i}.png`);
    const res = await req.expect(413);
    expect((res.body as Body).error?.message).toMatch(/more than 64 files/);
  });
});

describe('POST /v1/predict', () => {
  it('uses the newest model while the default alias is unset', async () => {
    const images = bytesOf(4);
    const res = await request(app.server)
      .post('/v1/predict')
      .send({ instances: images.map(rows) })
      .expect(200);
    const body = res.body as Body;
    expect(body.model).toEqual({ id: 'model-b', version: 2 });
    expect(body.predictions.map((p) => p.label)).toEqual(
      reference(models[1] as LayersModel, images).map(argmax),
    );
  });

  it('serves 20 concurrent requests while /healthz keeps answering', async () => {
    const instances = bytesOf(64).map(rows);
    const predictions = Array.from({ length: 20 }, (_, i) =>
      request(app.server)
        .post(i % 2 === 0 ? '/v1/predict' : '/v1/models/model-a/predict')
        .send({ instances })
        // A supertest request starts when awaited; then() starts them all now.
        .then((res) => res),
    );
    const started = performance.now();
    const health = await request(app.server).get('/healthz').expect(200);
    const healthMs = performance.now() - started;
    const results = await Promise.all(predictions);
    expect(health.body).toEqual({ status: 'ok' });
    expect(healthMs).toBeLessThan(2000);
    for (const res of results) {
      expect(res.status).toBe(200);
      expect((res.body as Body).predictions).toHaveLength(64);
    }
  });
});

describe('predict routes without a predictor', () => {
  it('answer 503 and are described for both body types in the OpenAPI document', async () => {
    const bare = buildTestApp();
    await bare.ready();
    try {
      const res = await request(bare.server)
        .post('/v1/predict')
        .send({ instances: bytesOf(1).map(rows) })
        .expect(503);
      expect((res.body as Body).error).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        message: 'prediction is not available on this instance',
      });
      const doc = bare.swagger() as {
        paths: Record<string, { post: { requestBody: { content: Record<string, unknown> } } }>;
      };
      for (const path of ['/v1/predict', '/v1/models/{id}/predict']) {
        expect(Object.keys(doc.paths[path]?.post.requestBody.content ?? {}).sort()).toEqual([
          'application/json',
          'multipart/form-data',
        ]);
      }
    } finally {
      await bare.close();
    }
  });
});
