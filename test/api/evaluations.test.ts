import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  CLASS_NAMES,
  type LabelledImageSet,
  type SeedSplit,
  selectRows,
} from '../../src/data/index.js';
import { createPredictorPool, type PredictorPool } from '../../src/inference/predictor-pool.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs } from '../../src/jobs/training-jobs.js';
import { selectBackend } from '../../src/ml/backend.js';
import { LocalEngine } from '../../src/ml/local-engine.js';
import { fitModel } from '../../src/ml/train.js';
import { type ArtifactStore, createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createDatasetStore, type DatasetStore } from '../../src/store/dataset-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { csvText, firstRealImages } from '../support/dataset-files.js';
import { registerModel } from '../support/registered-model.js';
import { SMALL_SPEC, smallFashionMnist } from '../support/small-data.js';
import { buildTestApp } from './helper.js';

const { redis, prefix } = useRedisPrefix('evaluations-api');
const registry = createModelRegistry({ redis, prefix });
let dir: string;
let store: ArtifactStore;
let datasets: DatasetStore;
let pool: PredictorPool;
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let app: App;
let data: SeedSplit;
/** Uploaded data sets: all ten classes (few images each), and three classes only. */
let smallUpload: string;
let threeClassUpload: string;
let jobId: string;

/** The split sizes of smallFashionMnist(): the training job below asks for the same. */
const SMALL_SPLIT = { trainSize: 600, valSize: 300, testSize: 300 };

interface EvaluationBody {
  model: { id: string; version: number };
  dataset: string;
  split: string;
  splitOptions: Record<string, number>;
  accuracy: number;
  count: number;
  perClass: { label: number; className?: string; support: number; precision: number }[];
  macro: { precision: number; recall: number; f1: number };
  confusion: number[][];
  calibrationError: number;
  misclassified: {
    index: number;
    label: number;
    predicted: number;
    confidence: number;
    pixels: string;
  }[];
}

/** Trains the small CNN for two epochs and stores and registers it as a job would. */
async function registerTrained(id: string, extra: { jobId?: string; training?: object }) {
  const engine = new LocalEngine(data, { spec: SMALL_SPEC, optimizer: 'adam', seed: 21 }, 'wasm');
  try {
    await fitModel(engine, data, { epochs: 2, batchSize: 50, seed: 21 });
    const saved = {
      artifacts: await engine.exportModel(),
      meta: {},
    };
    const stored = await store.putModel(id, saved);
    await registry.register({
      id,
      jobId: extra.jobId ?? id,
      spec: SMALL_SPEC,
      metrics: {},
      classNames: [...CLASS_NAMES],
      artifact: id,
      sha256: stored.sha256,
      backend: 'wasm',
      ...(extra.training && { training: extra.training as Record<string, unknown> }),
    });
  } finally {
    await engine.dispose();
  }
}

/**
 * The reference: every image of `set` through POST /v1/models/:id/predict as 0-255 JSON
 * instances, and the figures computed here from those answers.
 */
async function viaPredictRoute(model: string, set: LabelledImageSet) {
  const predicted: number[] = [];
  const confidences: number[] = [];
  for (let start = 0; start < set.count; start += 200) {
    const end = Math.min(set.count, start + 200);
    const instances = Array.from({ length: end - start }, (_, i) =>
      Array.from(set.images.subarray((start + i) * 784, (start + i + 1) * 784)),
    );
    const res = await request(app.server)
      .post(`/v1/models/${model}/predict`)
      .send({ instances })
      .expect(200);
    for (const p of res.body.predictions as { label: number; probabilities: number[] }[]) {
      predicted.push(p.label);
      confidences.push(Math.max(...p.probabilities));
    }
  }
  const labels = Array.from(set.labels);
  const right = labels.filter((label, i) => predicted[i] === label).length;
  const confusion = CLASS_NAMES.map(() => new Array<number>(CLASS_NAMES.length).fill(0));
  labels.forEach((label, i) => {
    const row = confusion[label] as number[];
    const p = predicted[i] as number;
    row[p] = (row[p] as number) + 1;
  });
  // 15 equal-width bins, ((m-1)/15, m/15].
  let ece = 0;
  for (let m = 1; m <= 15; m++) {
    const members = confidences
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c > (m - 1) / 15 && c <= m / 15);
    if (members.length === 0) continue;
    const acc = members.filter(({ i }) => predicted[i] === labels[i]).length / members.length;
    const conf = members.reduce((s, { c }) => s + c, 0) / members.length;
    ece += (members.length / labels.length) * Math.abs(acc - conf);
  }
  return { accuracy: right / labels.length, confusion, ece, predicted, confidences };
}

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'tailor-evaluations-'));
  store = createFileArtifactStore(join(dir, 'store'));
  datasets = createDatasetStore(join(dir, 'datasets'));
  data = await smallFashionMnist();

  connection = apiConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix: `${prefix}-queue` });
  const trainingJobs = createTrainingJobs(queue, () => connection.status === 'ready');
  // A real queued job (no worker takes it): the model below names it as its training job.
  jobId = (await trainingJobs.create({ training: { epochs: 2, ...SMALL_SPLIT } })).id;

  await registerTrained('trained', { jobId });
  // The same kind of model with its training options on its own record (no job to read).
  await registerTrained('recorded', { training: { epochs: 2, ...SMALL_SPLIT } });
  await registerTrained('tiny-split', { training: { testPerClass: 5 } });
  await registerModel({ registry, store }, SMALL_SPEC, 'untrained', 4);

  const real = await firstRealImages(300, 100);
  smallUpload = (
    await datasets.save({
      name: 'small',
      files: { train: Buffer.from(csvText(real.train)), test: Buffer.from(csvText(real.test)) },
    })
  ).id;
  const firstThree = (set: LabelledImageSet) =>
    selectRows(
      set,
      Array.from(set.labels.entries())
        .filter(([, label]) => label < 3)
        .map(([row]) => row),
    );
  threeClassUpload = (
    await datasets.save({
      name: 'three',
      files: {
        train: Buffer.from(csvText(firstThree(real.train))),
        test: Buffer.from(csvText(firstThree(real.test))),
      },
    })
  ).id;

  pool = createPredictorPool({ registry, store, workers: 2 });
  app = buildTestApp({
    predictor: pool,
    models: { registry, store },
    datasets,
    trainingJobs,
    dataDir: join(dir, 'no-data-here'),
  });
  await app.ready();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await pool?.close();
  await queue?.obliterate({ force: true });
  await queue?.close();
  connection?.disconnect();
  await rm(dir, { recursive: true, force: true });
});

const evaluate = (model: string, body: object = {}) =>
  request(app.server).post(`/v1/models/${model}/evaluations`).send(body);

describe('POST /v1/models/:id/evaluations', () => {
  it("evaluates on the test split its training job made, agreeing with the predict route's answers", async () => {
    const res = await evaluate('trained').expect(200);
    const body = res.body as EvaluationBody;
    const model = await registry.get('trained');
    expect(body.model).toEqual({ id: 'trained', version: model.version });
    expect(body).toMatchObject({ dataset: 'fashion-mnist', split: 'test', count: 300 });
    expect(body.splitOptions).toEqual(SMALL_SPLIT);

    const reference = await viaPredictRoute('trained', data.test);
    expect(body.accuracy).toBeCloseTo(reference.accuracy, 12);
    expect(body.confusion).toEqual(reference.confusion);
    expect(body.calibrationError).toBeCloseTo(reference.ece, 5);
    const total = body.confusion.flat().reduce((s, v) => s + v, 0);
    const diagonal = body.confusion.reduce((s, row, c) => s + (row[c] as number), 0);
    expect(total).toBe(300);
    expect(body.accuracy).toBe(diagonal / total);
    expect(body.perClass.map((c) => c.support)).toEqual(new Array(10).fill(30));
    expect(body.perClass[1]?.className).toBe('Trouser');

    const wrong = 300 - diagonal;
    expect(body.misclassified).toHaveLength(Math.min(24, wrong));
    for (const s of body.misclassified) {
      expect(s.label).toBe(data.test.labels[s.index]);
      expect(s.predicted).toBe(reference.predicted[s.index]);
      expect(s.predicted).not.toBe(s.label);
      expect(s.confidence).toBeCloseTo(reference.confidences[s.index] as number, 6);
      const image = Buffer.from(data.test.images.subarray(s.index * 784, (s.index + 1) * 784));
      expect(Buffer.from(s.pixels, 'base64').equals(image)).toBe(true);
    }
    console.log(
      `evaluations API, small CNN (2 epochs, 600 images): test accuracy ${body.accuracy.toFixed(4)} (predict route: ${reference.accuracy.toFixed(4)}), ECE ${body.calibrationError.toFixed(4)} (predict route: ${reference.ece.toFixed(4)}), ${body.misclassified.length} misclassified shown`,
    );
  }, 60_000);

  it('reads split sizes stored on the model record, and evaluates the val split', async () => {
    const res = await evaluate('recorded', { split: 'val' }).expect(200);
    const body = res.body as EvaluationBody;
    expect(body).toMatchObject({ split: 'val', count: 300, splitOptions: SMALL_SPLIT });
    const reference = await viaPredictRoute('recorded', data.val);
    expect(body.accuracy).toBeCloseTo(reference.accuracy, 12);
    expect(body.confusion).toEqual(reference.confusion);
  }, 60_000);

  it('uses the default split when nothing tells how the model was trained; limit takes a balanced subset', async () => {
    const res = await evaluate('untrained', { limit: 200 }).expect(200);
    const body = res.body as EvaluationBody;
    expect(body).toMatchObject({ dataset: 'fashion-mnist', split: 'test', count: 200 });
    expect(body.splitOptions).toEqual({});
    expect(body.perClass.map((c) => c.support)).toEqual(new Array(10).fill(20));
    expect(body.confusion.flat().reduce((s, v) => s + v, 0)).toBe(200);
    expect(body.calibrationError).toBeGreaterThanOrEqual(0);
    expect(body.calibrationError).toBeLessThanOrEqual(1);
  }, 60_000);

  it('follows an alias, and evaluates on an uploaded data set', async () => {
    await registry.promote('candidate', 'tiny-split');
    const res = await evaluate('candidate', { dataset: smallUpload, split: 'test' }).expect(200);
    const body = res.body as EvaluationBody;
    expect(body.model.id).toBe('tiny-split');
    expect(body.dataset).toBe(smallUpload);
    // testPerClass 5: five images of each class held out of the upload's 300 training images.
    expect(body.splitOptions).toEqual({ testPerClass: 5 });
    expect(body.count).toBe(50);
    expect(body.perClass.map((c) => c.support)).toEqual(new Array(10).fill(5));
    const val = await evaluate('candidate', { dataset: smallUpload, split: 'val' }).expect(200);
    // The upload's own test file is the validation split, as in training.
    expect(val.body.count).toBe(100);
  }, 60_000);

  it('takes a request without a body as all defaults', async () => {
    const res = await request(app.server).post('/v1/models/trained/evaluations').expect(200);
    expect(res.body).toMatchObject({ dataset: 'fashion-mnist', split: 'test', count: 300 });
  }, 60_000);

  it('answers 404 for an unknown model and 400 UNKNOWN_DATASET for an unknown data set', async () => {
    const missing = await evaluate('no-such-model').expect(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND' });
    const unknown = await evaluate('trained', { dataset: 'ds-0000000000000000' }).expect(400);
    expect(unknown.body.error.code).toBe('UNKNOWN_DATASET');
    expect(unknown.body.error.message).toContain("'ds-0000000000000000'");
    expect(unknown.body.error.requestId).toEqual(expect.any(String));
  });

  it.each([
    [{ split: 'holdout' }, '/body/split'],
    [{ limit: 0 }, '/body/limit'],
    [{ limit: 2.5 }, '/body/limit'],
    [{ dataset: '../etc' }, '/body/dataset'],
    [{ colour: 'red' }, 'colour'],
  ])('answers 400 VALIDATION_FAILED for %j', async (body, where) => {
    const res = await evaluate('trained', body).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body.error)).toContain(where);
  });

  it('answers 400 DATASET_MISMATCH for a data set of other classes, before reading it', async () => {
    const res = await evaluate('trained', { dataset: threeClassUpload }).expect(400);
    expect(res.body.error.code).toBe('DATASET_MISMATCH');
    expect(res.body.error.message).toBe(
      `model 'trained' tells 10 classes apart but data set '${threeClassUpload}' has 3 (labels 0-2); evaluate it on a data set with the same classes`,
    );
  });

  it("answers 400 DATASET_MISMATCH when the data set cannot be split as the model's was", async () => {
    // The default split holds 1000 images of each class out; the upload has about 30.
    const res = await evaluate('untrained', { dataset: smallUpload }).expect(400);
    expect(res.body.error.code).toBe('DATASET_MISMATCH');
    expect(res.body.error.message).toMatch(
      new RegExp(
        `data set '${smallUpload}' cannot be split as model 'untrained' was trained \\(the default split\\): label \\d has only \\d+ rows`,
      ),
    );
  });
});

describe('evaluations without a predictor', () => {
  it('answer 503', async () => {
    const bare = buildTestApp({ models: { registry, store } });
    await bare.ready();
    try {
      const res = await request(bare.server)
        .post('/v1/models/trained/evaluations')
        .send({})
        .expect(503);
      expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await bare.close();
    }
  });
});
