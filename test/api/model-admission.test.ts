import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs, datasetShapes } from '../../src/jobs/training-jobs.js';
import { createDatasetStore, datasetExists } from '../../src/store/dataset-store.js';
import { createTuningJobs } from '../../src/tuning/tuning-jobs.js';
import { tuningQueues } from '../../src/tuning/tuning-queues.js';
import { removePrefix } from '../support/redis-cleanup.js';
import { buildTestApp } from './helper.js';

const prefix = `test-admission-${process.pid}-${Date.now()}`;
let dir: string;
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let tuning: ReturnType<typeof tuningQueues>;
let app: App;
/** An uploaded data set of 12x12 images in 3 classes. */
let small: string;

/** A CSV data set of `count` images of side x side pixels, labels cycling through `classes`. */
function csv(count: number, side: number, classes: number): Uint8Array {
  const header = ['label', ...Array.from({ length: side * side }, (_, i) => `pixel${i + 1}`)];
  const rows = Array.from({ length: count }, (_, i) =>
    [i % classes, ...Array.from({ length: side * side }, (_, p) => (i * 7 + p) % 256)].join(','),
  );
  return new TextEncoder().encode(`${[header.join(','), ...rows].join('\n')}\n`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailor-admission-'));
  const datasets = createDatasetStore(join(dir, 'datasets'));
  small = (
    await datasets.save({ name: 'small', files: { train: csv(30, 12, 3), test: csv(9, 12, 3) } })
  ).id;
  connection = apiConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix });
  tuning = tuningQueues(connection, prefix);
  const ready = () => connection.status === 'ready';
  // The limits as an operator sets them, read by the one reader of the environment.
  const { specLimits } = readConfig({ TAILOR_MAX_ACTIVATION_MB: '2048' });
  const trainingJobs = createTrainingJobs(queue, ready, datasetExists(datasets), connection, {
    limits: specLimits,
    datasetShape: datasetShapes(datasets),
  });
  app = buildTestApp({
    trainingJobs,
    tuningJobs: createTuningJobs({
      ...tuning,
      trainingJobs,
      datasetExists: datasetExists(datasets),
      redisReady: ready,
    }),
    datasets,
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await Promise.all([queue?.close(), tuning?.queue.close(), tuning?.flows.close()]);
  connection?.disconnect();
  const redis = new Redis('redis://127.0.0.1:6379');
  await removePrefix(redis, prefix);
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
});

const train = (body: object) => request(app.server).post('/v1/training-jobs').send(body);
const tune = (body: object) => request(app.server).post('/v1/tuning-jobs').send(body);
const queued = () =>
  queue.getJobCountByTypes('waiting', 'delayed', 'prioritized', 'waiting-children');

/** The hostile specs of the report: each was accepted (202) and then failed in a worker. */
const HOSTILE: [string, object, RegExp][] = [
  [
    'neurons 1e9',
    { dense: [{ neurons: 1e9 }, {}] },
    /dense\[0\]\.neurons: must be at most 65536, got 1000000000/,
  ],
  [
    'channels 2^53',
    { conv: [{ channels: 2 ** 53 }] },
    /conv\[0\]\.channels: must be at most 65536, got 9007199254740992/,
  ],
  [
    '1,000 conv blocks',
    { conv: Array.from({ length: 1000 }, () => ({ channels: 8, pool: 1 })) },
    /conv: at most 32 blocks, got 1000/,
  ],
  [
    'inputShape [100000,100000,1]',
    { inputShape: [100000, 100000, 1] },
    /inputShape: height and width must be at most 4096/,
  ],
  ['numClasses 1e7', { numClasses: 1e7 }, /numClasses: must be at most 1000, got 10000000/],
];

describe('training jobs are admitted only if their model fits the budget and the data set', () => {
  it.each(HOSTILE)(
    '%s: 400 MODEL_TOO_LARGE naming the value and the cap',
    async (_, model, message) => {
      const before = await queued();
      const res = await train({ model });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('MODEL_TOO_LARGE');
      expect(res.body.error.message).toMatch(message);
      expect(await queued()).toBe(before);
    },
  );

  it('refuses a model over the parameter budget, naming the count and the limit', async () => {
    const res = await train({ model: { dense: [{ neurons: 65536 }, {}] } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'MODEL_TOO_LARGE' });
    expect(res.body.error.message).toBe(
      'model: the model has 412,143,498 parameters, over the limit of 100,000,000; use fewer or narrower dense blocks, or more pooling before them',
    );
  });

  it('refuses a batch whose activations exceed the configured memory budget', async () => {
    const res = await train({ training: { batchSize: 2000 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MODEL_TOO_LARGE');
    expect(res.body.error.message).toMatch(
      /^model: a training batch of 2000 images needs about 3,[\d]{3} MB of activations, over the limit of 2,048 MB/,
    );
    // The same model in batches of 500 is admitted.
    expect((await train({ training: { batchSize: 500 } })).status).toBe(202);
  });

  it('refuses numClasses other than the data set has, naming both', async () => {
    const res = await train({ model: { numClasses: 3 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('DATASET_MISMATCH');
    expect(res.body.error.message).toBe(
      "model: numClasses is 3 but data set 'fashion-mnist' has 10 classes (labels 0-9); set numClasses to 10",
    );
  });

  it('refuses an inputShape other than the data set images, naming both', async () => {
    const res = await train({ model: { inputShape: [32, 32, 1] } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('DATASET_MISMATCH');
    expect(res.body.error.message).toContain(
      "inputShape is [32, 32, 1] but data set 'fashion-mnist' holds 28x28 greyscale images",
    );
    const colour = await train({ model: { inputShape: [28, 28, 3] } });
    expect(colour.body.error.code).toBe('DATASET_MISMATCH');
  });

  it('checks an uploaded data set by its own classes and image size', async () => {
    const seedOnSmall = await train({ dataset: small });
    expect(seedOnSmall.status).toBe(400);
    expect(seedOnSmall.body.error.message).toContain(
      `numClasses is 10 but data set '${small}' has 3 classes`,
    );
    const wrongSize = await train({ dataset: small, model: { numClasses: 3 } });
    expect(wrongSize.body.error.message).toContain(`holds 12x12 greyscale images`);
    const fits = await train({
      dataset: small,
      model: { inputShape: [12, 12, 1], numClasses: 3, conv: [{ channels: 4, pool: 2 }] },
    });
    expect(fits.status).toBe(202);
  });

  it('admits the seed model on Fashion-MNIST', async () => {
    expect((await train({})).status).toBe(202);
  });
});

describe('tuning jobs are admitted only if their base model and whole space fit', () => {
  const SPACE = { learningRate: { values: [0.01, 0.001] } };

  it.each(HOSTILE)('a base model of %s: 400 MODEL_TOO_LARGE', async (_, model, message) => {
    const res = await tune({ model, space: SPACE, budget: { trials: 2 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MODEL_TOO_LARGE');
    expect(res.body.error.message).toMatch(message);
  });

  it('refuses a base model with the wrong numClasses', async () => {
    const res = await tune({ model: { numClasses: 3 }, space: SPACE, budget: { trials: 2 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('DATASET_MISMATCH');
    expect(res.body.error.message).toContain(
      "numClasses is 3 but data set 'fashion-mnist' has 10 classes",
    );
  });

  it('refuses a space whose largest values exceed the budget, even if no trial drew them', async () => {
    const before = await tuning.queue.count();
    const res = await tune({
      // Two trials drawn from a range whose top is far over the budget.
      space: { neurons: { values: [64, 128] }, channels: { min: 8, max: 1024 } },
      budget: { trials: 2 },
      seed: 1,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MODEL_TOO_LARGE');
    expect(res.body.error.message).toMatch(
      /^the space at its largest \{"channels":1024,"neurons":128\}: model: the model has [\d,]+ parameters, over the limit of 100,000,000/,
    );
    expect(await tuning.queue.count()).toBe(before);
  });

  it('refuses a batchSize range whose top exceeds the activation budget', async () => {
    const res = await tune({ space: { batchSize: { values: [50, 3000] } }, budget: { trials: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/"batchSize":3000.*batch of 3000 images/);
  });

  it('refuses a number of blocks that leaves no feature map, naming it', async () => {
    const res = await tune({ space: { blocks: { min: 1, max: 6 } }, budget: { trials: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_MODEL');
    expect(res.body.error.message).toMatch(
      /^the space at its largest \{"blocks":6\}: model\.conv\[5\]\.pool/,
    );
  });

  it('checks each number of blocks: fewer pool less, so the dense blocks see more', async () => {
    const space = { neurons: { values: [256, 8192] }, channels: { min: 8, max: 32 } };
    const res = await tune({
      space: { ...space, blocks: { values: [2, 3] } },
      budget: { trials: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /^the space at its largest \{"channels":32,"neurons":8192,"blocks":2\}/,
    );
    expect((await tune({ space, budget: { trials: 1 } })).status).toBe(202);
  });

  it('queues the first points of a grid of billions without listing the rest', async () => {
    const values = (n: number, from: number, step: number) =>
      Array.from({ length: n }, (_, i) => from + i * step);
    const res = await tune({
      space: {
        learningRate: { values: values(50, 0.001, 0.001) },
        dropout: { values: values(50, 0, 0.01) },
        batchSize: { values: values(50, 1, 1) },
        epochs: { values: values(50, 1, 1) },
        channels: { values: values(50, 1, 1) },
        neurons: { values: values(50, 1, 1) },
        blocks: { values: [1, 2, 3] },
      },
      search: 'grid',
      budget: { trials: 100 },
    });
    expect(res.status).toBe(202);
    expect(res.body.trials).toHaveLength(100);
  });

  it('admits a space within the budget', async () => {
    const res = await tune({
      space: {
        neurons: { values: [256, 2048] },
        channels: { min: 8, max: 64 },
        blocks: { values: [2, 3] },
      },
      budget: { trials: 3 },
      seed: 2,
    });
    expect(res.status).toBe(202);
    expect(res.body.trials).toHaveLength(3);
  });
});
