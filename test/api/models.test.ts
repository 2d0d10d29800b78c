import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { DEFAULT_SPEC } from '../../src/ml/spec.js';
import { createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { buildTestApp } from './helper.js';

const prefix = `test-api-models-${process.pid}-${Date.now()}`;
let redis: Redis;
let app: App;

beforeAll(async () => {
  redis = new Redis('redis://127.0.0.1:6379');
  const registry = createModelRegistry({ redis, prefix });
  for (const id of ['job-1', 'job-2']) {
    await registry.register({
      id,
      jobId: id,
      spec: DEFAULT_SPEC,
      metrics: { val_acc: id === 'job-1' ? 0.85 : 0.89 },
      classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
      artifact: id,
      sha256: '0'.repeat(64),
      backend: 'wasm',
    });
  }
  app = buildTestApp({ models: { registry, store: createFileArtifactStore('unused') } });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('models API', () => {
  it('lists versions newest first with links, hiding storage details', async () => {
    const res = await request(app.server).get('/v1/models?limit=10').expect(200);
    expect(res.body.items.map((m: { id: string }) => m.id)).toEqual(['job-2', 'job-1']);
    expect(res.body.items[0]).toMatchObject({
      version: 2,
      metrics: { val_acc: 0.89 },
      links: {
        self: '/v1/models/job-2',
        predict: '/v1/models/job-2/predict',
        job: '/v1/training-jobs/job-2',
      },
    });
    expect(res.body.items[0].sha256).toBeUndefined();
  });

  it('shows one version with the Keras summary; default is the newest', async () => {
    const seed = await readFile('test/fixtures/seed-summary.txt', 'utf8');
    const one = await request(app.server).get('/v1/models/job-1').expect(200);
    expect(one.body.summary).toBe(seed.trimEnd());
    const newest = await request(app.server).get('/v1/models/default').expect(200);
    expect(newest.body.id).toBe('job-2');
  });

  it('answers 404 for an unknown model and 400 for a malformed id', async () => {
    const missing = await request(app.server).get('/v1/models/nope').expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    const hostile = await request(app.server).get('/v1/models/..%2F..%2Fetc').expect(400);
    expect(hostile.body.error.code).toBe('INVALID_ID');
  });
});
