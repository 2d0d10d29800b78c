import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { IdxImages } from '../../src/data/idx.js';
import { createPredictorPool, type PredictorPool } from '../../src/inference/predictor-pool.js';
import { hotColour } from '../../src/inference/saliency.js';
import { selectBackend } from '../../src/ml/backend.js';
import { mulberry32 } from '../../src/ml/random.js';
import { createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import {
  encodePng,
  imageAt,
  loadTestImages,
  sampleIndices,
} from '../inference/support/fashion-images.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { registerModel } from '../support/registered-model.js';
import { SMALL_SPEC } from '../support/small-data.js';
import { buildTestApp } from './helper.js';

const { redis, prefix } = useRedisPrefix('saliency-api');
const registry = createModelRegistry({ redis, prefix });
let dir: string;
let pool: PredictorPool;
let app: App;
let set: IdxImages;

interface Prediction {
  label: number;
  probabilities: number[];
  saliency?: { values: number[]; png: string };
}
interface Body {
  predictions: Prediction[];
  error?: { code: string; message: string; details?: { path: string }[] };
}

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'tailor-saliency-api-'));
  const store = createFileArtifactStore(join(dir, 'store'));
  (await registerModel({ registry, store }, SMALL_SPEC, 'model-s', 1)).dispose();
  set = await loadTestImages();
  pool = createPredictorPool({ registry, store });
  app = buildTestApp({ predictor: pool, models: { registry, store } });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await pool?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Real test images as JSON instances, 0-255 integers. */
const instances = (indices: number[]) => indices.map((i) => Array.from(imageAt(set, i)));

const predict = (body: object, url = '/v1/models/model-s/predict') =>
  request(app.server).post(url).send(body);

describe('explain on the predict routes', () => {
  it('adds a saliency map of 784 values in [0, 1], largest 1, and its 112x112 PNG', async () => {
    for (const url of ['/v1/models/model-s/predict', '/v1/predict']) {
      const body = (
        await predict({ instances: instances([0, 1, 2]), explain: true }, url).expect(200)
      ).body as Body;
      for (const prediction of body.predictions) {
        const values = prediction.saliency?.values ?? [];
        expect(values).toHaveLength(784);
        expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
        expect(Math.max(...values)).toBe(1);
        // Not uniform: most pixels matter far less than the most salient one.
        expect(values.filter((v) => v < 0.5).length).toBeGreaterThan(392);

        const png = PNG.sync.read(Buffer.from(prediction.saliency?.png ?? '', 'base64'));
        expect([png.width, png.height]).toEqual([112, 112]);
        for (const k of [0, values.indexOf(1), 14 * 28 + 14, 783]) {
          const at = ((Math.floor(k / 28) * 4 + 3) * 112 + (k % 28) * 4) * 4;
          expect([...png.data.subarray(at, at + 3)]).toEqual(hotColour(values[k] as number));
        }
      }
    }
  });

  it('answers without saliency unless asked', async () => {
    for (const explain of [undefined, false]) {
      const body = (await predict({ instances: instances([0]), explain }).expect(200)).body as Body;
      expect(body.predictions[0]).not.toHaveProperty('saliency');
    }
  });

  it('explains uploads with the form field explain=true', async () => {
    const upload = (explain?: string) => {
      const req = request(app.server)
        .post('/v1/models/model-s/predict')
        .attach('file', encodePng(imageAt(set, 0), 28, 28), 'a.png')
        .attach('file', encodePng(imageAt(set, 1), 28, 28), 'b.png');
      return explain === undefined ? req : req.field('explain', explain);
    };
    const explained = (await upload('true').expect(200)).body as Body;
    expect(explained.predictions.map((p) => p.saliency?.values.length)).toEqual([784, 784]);
    // The same pixels as JSON instances give the same maps.
    const json = (await predict({ instances: instances([0, 1]), explain: true }).expect(200))
      .body as Body;
    expect(explained.predictions.map((p) => p.saliency)).toEqual(
      json.predictions.map((p) => p.saliency),
    );
    for (const explain of [undefined, 'false']) {
      const plain = (await upload(explain).expect(200)).body as Body;
      expect(plain.predictions.every((p) => p.saliency === undefined)).toBe(true);
    }
    const bad = (await upload('yes').expect(400)).body as Body;
    expect(bad.error?.message).toBe("form field 'explain' is \"yes\"; send 'true' or 'false'");
  });

  it('answers 400 for more than 16 explained images or an explain that is not a boolean', async () => {
    const seventeen = instances(Array.from({ length: 17 }, (_, i) => i));
    const tooMany = (await predict({ instances: seventeen, explain: true }).expect(400))
      .body as Body;
    expect(tooMany.error).toMatchObject({
      code: 'EXPLAIN_LIMIT',
      message:
        'explain: 17 images would be explained; at most 16 per request (each needs a backward pass through the model): send fewer, or split the request',
    });
    await predict({ instances: seventeen }).expect(200);

    const notBoolean = (await predict({ instances: instances([0]), explain: 'true' }).expect(400))
      .body as Body;
    expect(notBoolean.error?.code).toBe('VALIDATION_FAILED');
    expect(notBoolean.error?.details?.[0]?.path).toBe('/body/explain');
  });

  it('points at pixels that move the probability: zeroing them changes it more than zeroing random garment pixels', async () => {
    // For 16 real test images: 50 copies of each with one of its 50 most salient garment
    // pixels set to 0, and 50 with one of 50 random garment pixels set to 0 (zeroing a black
    // background pixel changes nothing, so both draw from the garment). A gradient says how
    // much changing each pixel moves the probability, so the salient pixels' changes must add
    // up to clearly more. A map shuffled or flipped end to end scores about 1 on both counts.
    const images = instances(sampleIndices(set, 16));
    const explained = (await predict({ instances: images, explain: true }).expect(200))
      .body as Body;
    const random = mulberry32(7);
    let salientTotal = 0;
    let randomTotal = 0;
    let salientWins = 0;
    for (const [i, image] of images.entries()) {
      const { label, probabilities, saliency } = explained.predictions[i] as Prediction;
      const values = saliency?.values ?? [];
      const garment = [...image.keys()].filter((k) => (image[k] as number) > 0);
      const salient = [...garment]
        .sort((a, b) => (values[b] as number) - (values[a] as number) || a - b)
        .slice(0, 50);
      const randomPixels = Array.from(
        { length: 50 },
        () => garment.splice(Math.floor(random() * garment.length), 1)[0] as number,
      );
      const zeroed = [...salient, ...randomPixels].map((k) =>
        image.map((v, j) => (j === k ? 0 : v)),
      );
      const answers = (await predict({ instances: zeroed }).expect(200)).body as Body;
      const before = probabilities[label] as number;
      const change = (from: number, to: number) =>
        answers.predictions
          .slice(from, to)
          .reduce((sum, p) => sum + Math.abs((p.probabilities[label] as number) - before), 0);
      const bySalient = change(0, 50);
      const byRandom = change(50, 100);
      salientTotal += bySalient;
      randomTotal += byRandom;
      if (bySalient > byRandom) salientWins++;
    }
    expect(salientTotal / randomTotal).toBeGreaterThan(1.1);
    expect(salientWins).toBeGreaterThanOrEqual(12);
  });
});
