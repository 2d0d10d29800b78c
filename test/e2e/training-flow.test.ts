import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { PNG } from 'pngjs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { loadFashionMnist, seedSplit } from '../../src/data/index.js';
import { createApiServices } from '../../src/service/api-services.js';
import { startTrainingWorker } from '../../src/service/worker-process.js';
import { type GateControl, gateControl } from '../support/batch-gate.js';
import { csvText, firstRealImages } from '../support/dataset-files.js';

// The whole path a user takes, with real parts: the API on a real Redis, a real worker
// running the sandboxed processor, real Fashion-MNIST (a small subset).
const prefix = `e2e-${process.pid}-${Date.now()}`.slice(0, 32);
let dir: string;
let services: ReturnType<typeof createApiServices>;
let worker: ReturnType<typeof startTrainingWorker>;
let app: ReturnType<typeof buildApp>;
let redis: Redis;
let gates: GateControl;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailor-e2e-'));
  const config = readConfig({
    TAILOR_ARTIFACT_DIR: dir,
    TAILOR_QUEUE_PREFIX: prefix,
    TAILOR_BACKEND: 'wasm',
    // Jobs wait before their first batch until a test moves their gate.
    TAILOR_BATCH_GATE: '1',
  });
  redis = new Redis('redis://127.0.0.1:6379');
  gates = gateControl(redis, prefix);
  services = createApiServices(
    { ...config, dataDir: join(dir, 'data') },
    'redis://127.0.0.1:6379',
    'test',
  );
  app = buildApp(services.deps, { logger: false });
  await app.ready();
  // The worker hands its settings to the training children.
  worker = startTrainingWorker(
    { ...config, artifactDir: dir, dataDir: join(dir, 'data') },
    'redis://127.0.0.1:6379',
    pino({ level: 'silent' }),
  );
  // Ready once the API's Redis connection is up.
  const deadline = Date.now() + 10_000;
  while ((await request(app.server).get('/readyz')).status !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await worker?.close();
  await app?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await services?.close();
  await rm(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: the job resource as the API returned it.
let trained: any;

describe('a training job through the API', () => {
  it('is ready: Redis up, a training worker connected, inference threads on a backend', async () => {
    const res = await request(app.server).get('/readyz').expect(200);
    expect(res.body.checks).toEqual({
      redis: { ok: true },
      trainingWorkers: { ok: true, detail: '1 training worker(s) connected' },
      inference: { ok: true, detail: 'backend wasm' },
    });
  });

  it('goes queued -> active -> completed with advancing progress, and its model appears', async () => {
    const created = await request(app.server)
      .post('/v1/training-jobs')
      .send({
        model: {
          conv: [
            { channels: 8, pool: 2 },
            { channels: 16, pool: 2 },
          ],
          dense: [{ neurons: 64 }, {}],
        },
        training: {
          epochs: 1,
          batchSize: 25,
          trainSize: 2000,
          valSize: 500,
          testSize: 500,
          seed: 3,
        },
      })
      .expect(202);
    expect(created.body.status).toBe('queued');
    const statuses = new Set<string>();
    const batches: number[] = [];
    let job = created.body;
    // Caught at two batches of its epoch, the job shows each as its progress.
    for (const batch of [10, 40]) {
      await gates.runTo(job.id, { epoch: 1, batch });
      job = (await request(app.server).get(created.body.links.self).expect(200)).body;
      statuses.add(job.status);
      batches.push(job.progress?.batch);
    }
    expect(batches).toEqual([10, 40]);
    await gates.release(job.id);
    const deadline = Date.now() + 150_000;
    while (!['completed', 'failed'].includes(job.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      job = (await request(app.server).get(created.body.links.self).expect(200)).body;
      statuses.add(job.status);
      if (job.progress?.batch) batches.push(job.progress.batch);
    }
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    expect(statuses.has('active')).toBe(true);
    expect(batches.at(-1)).toBe(80);
    expect(job.history).toHaveLength(1);
    expect(job.test.count).toBe(500);
    expect(job.modelId).toBe(job.id);
    const model = (await request(app.server).get(job.links.model).expect(200)).body;
    expect(model.metrics.test_acc).toBe(job.test.accuracy);
    expect(model.summary).toContain('conv1 (Conv2D)');
    const list = (await request(app.server).get('/v1/models').expect(200)).body;
    expect(list.items[0].id).toBe(job.id);
    trained = job;
  });

  it("predicts the job's held-out images through the API at the accuracy it reported", async () => {
    expect(trained).toBeDefined();
    const { test } = await heldOut();
    const size = test.height * test.width;
    const image = (i: number) => test.images.subarray(i * size, (i + 1) * size);
    const predictPath = `/v1/models/${trained.modelId}/predict`;
    let rightJson = 0;
    for (let start = 0; start < test.count; start += 250) {
      const instances = Array.from({ length: Math.min(250, test.count - start) }, (_, k) =>
        Array.from(image(start + k)),
      );
      const res = await request(app.server).post(predictPath).send({ instances }).expect(200);
      res.body.predictions.forEach((p: { label: number }, k: number) => {
        if (p.label === test.labels[start + k]) rightJson++;
      });
    }
    const jsonAccuracy = rightJson / test.count;
    expect(Math.abs(jsonAccuracy - trained.test.accuracy)).toBeLessThanOrEqual(0.01);

    let rightPng = 0;
    for (let start = 0; start < test.count; start += 50) {
      const upload = request(app.server).post(predictPath).field('invert', 'false');
      for (let k = start; k < Math.min(start + 50, test.count); k++) {
        upload.attach('images', png(image(k), test.width, test.height), `${k}.png`);
      }
      const res = await upload.expect(200);
      res.body.predictions.forEach((p: { label: number }, k: number) => {
        if (p.label === test.labels[start + k]) rightPng++;
      });
    }
    expect(Math.abs(rightPng / test.count - trained.test.accuracy)).toBeLessThanOrEqual(0.01);
  });
});

describe('an uploaded data set', () => {
  it('trains through the API once uploaded; an unknown one is refused up front', async () => {
    const { train, test } = await firstRealImages(600, 300);
    const uploaded = await request(app.server)
      .post('/v1/datasets')
      .field('name', 'first 600 of each split')
      .attach('train', Buffer.from(csvText(train)), 'train.csv')
      .attach('test', Buffer.from(csvText(test)), 'test.csv')
      .expect(201);
    const refused = await request(app.server)
      .post('/v1/training-jobs')
      .send({ dataset: 'ds-0000000000000000' })
      .expect(400);
    expect(refused.body.error.code).toBe('UNKNOWN_DATASET');

    const created = await request(app.server)
      .post('/v1/training-jobs')
      .send({
        dataset: uploaded.body.id,
        model: { conv: [{ channels: 4, pool: 2 }], dense: [{ neurons: 16 }, {}] },
        training: { epochs: 1, batchSize: 20, testPerClass: 10, seed: 2 },
      })
      .expect(202);
    let job = created.body;
    await gates.release(job.id);
    const deadline = Date.now() + 120_000;
    while (!['completed', 'failed'].includes(job.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      job = (await request(app.server).get(created.body.links.self).expect(200)).body;
    }
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    // 600 training images less 10 per class held out for the test set.
    expect(job.test.count).toBe(100);
  });
});

/** The job's test split, made the way the job made it (same data, same sizes). */
async function heldOut() {
  const fm = await loadFashionMnist({ dataDir: 'data', download: false });
  return seedSplit(fm.train, fm.test, { trainSize: 2000, valSize: 500, testSize: 500 });
}

function png(pixels: Uint8Array, width: number, height: number): Buffer {
  const image = new PNG({ width, height });
  pixels.forEach((v, i) => {
    image.data.set([v, v, v, 255], i * 4);
  });
  return PNG.sync.write(image);
}
