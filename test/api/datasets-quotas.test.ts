import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { generateApiKey, hashApiKey } from '../../src/auth-keys.js';
import type { LabelledImageSet } from '../../src/data/index.js';
import { createDatasetStore } from '../../src/store/dataset-store.js';
import { useTempDirs } from '../data/support/temp-dir.js';
import { csvText, firstRealImages } from '../support/dataset-files.js';
import { buildTestApp } from './helper.js';

const tempDir = useTempDirs();
const KEYS = { alice: generateApiKey(), bob: generateApiKey(), carol: generateApiKey() };

let app: App;
let train: LabelledImageSet;
let test: LabelledImageSet;

beforeAll(async () => {
  ({ train, test } = await firstRealImages(20, 10));
  app = buildTestApp({
    datasets: createDatasetStore(join(await tempDir(), 'datasets'), {
      quotas: { perKey: 1, total: 2 },
    }),
    dataDir: await tempDir(),
    auth: {
      apiKeys: Object.entries(KEYS).map(([name, key]) => ({
        name,
        scopes: ['train' as const],
        sha256: hashApiKey(key),
      })),
      rateLimits: { predictPerMinute: 0, jobsPerMinute: 0 },
    },
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
});

const upload = (key: keyof typeof KEYS, trainCsv = csvText(train)) =>
  request(app.server)
    .post('/v1/datasets')
    .set('authorization', `Bearer ${KEYS[key]}`)
    .attach('train', Buffer.from(trainCsv), 'train.csv')
    .attach('test', Buffer.from(csvText(test)), 'test.csv');

describe('data set quotas over HTTP', () => {
  it('counts data sets per API key and in total, answering 409 with the quota', async () => {
    const first = await upload('alice').expect(201);
    // Who uploaded it is kept for the quota, not shown.
    expect(first.body).not.toHaveProperty('owner');

    const again = await upload('alice').expect(409);
    expect(again.body.error).toEqual({
      code: 'DATASET_QUOTA_EXCEEDED',
      message:
        "API key 'alice' already has 1 uploaded data sets, the limit of 1 per key; ask an operator to remove some",
      requestId: expect.any(String),
    });

    await upload('bob').expect(201);
    const full = await upload('carol').expect(409);
    expect(full.body.error.message).toBe(
      'the server already keeps 2 uploaded data sets, its limit of 2; ask an operator to remove some',
    );
  });
});

describe('CSV errors over HTTP', () => {
  it('never echo a 5 MB field back', async () => {
    const open = buildTestApp({
      datasets: createDatasetStore(join(await tempDir(), 'datasets')),
      dataDir: await tempDir(),
    });
    await open.ready();
    try {
      const rows = csvText(train).split('\n');
      rows[1] = `${'7'.repeat(5 * 1024 * 1024)}${(rows[1] as string).slice(1)}`;
      const res = await request(open.server)
        .post('/v1/datasets')
        .attach('train', Buffer.from(rows.join('\n')), 'train.csv')
        .attach('test', Buffer.from(csvText(test)), 'test.csv')
        .expect(400);
      expect(res.body.error).toMatchObject({
        code: 'DATASET_INVALID',
        message:
          "part 'train' is not valid: train.csv: line 2: the row is longer than 3,140 bytes, the most a row of label + 784 pixels takes",
      });
    } finally {
      await open.close();
    }
  });
});
