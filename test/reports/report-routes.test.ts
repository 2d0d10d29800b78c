import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { generateApiKey, hashApiKey } from '../../src/auth-keys.js';
import { readConfig } from '../../src/config.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs } from '../../src/jobs/training-jobs.js';
import { createDatasetStore } from '../../src/store/dataset-store.js';
import { buildTestApp } from '../api/helper.js';
import { useRedisPrefix } from '../store/redis-prefix.js';

// The report routes over HTTP, without a browser: headers, errors and API keys.
const TRAIN = generateApiKey();
const PREDICT = generateApiKey();
const { prefix } = useRedisPrefix('report-routes');
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let dir: string;
let app: App;
let bare: App;
let jobId: string;

beforeAll(async () => {
  connection = apiConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix });
  const jobs = createTrainingJobs(queue, () => connection.status === 'ready');
  dir = await mkdtemp(join(tmpdir(), 'tailor-report-routes-'));
  const config = readConfig({
    TAILOR_API_KEYS: `trainer:train:${hashApiKey(TRAIN)},reader:predict:${hashApiKey(PREDICT)}`,
  });
  app = buildTestApp({
    trainingJobs: jobs,
    datasets: createDatasetStore(join(dir, 'datasets')),
    dataDir: join(dir, 'data'),
    auth: config.auth,
  });
  await app.ready();
  bare = buildTestApp();
  await bare.ready();
  // A queued job: nothing consumes this queue.
  jobId = (await jobs.create({ training: { epochs: 1 } })).id;
});

afterAll(async () => {
  await app?.close();
  await bare?.close();
  await queue?.close();
  connection?.disconnect();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const asTrainer = (url: string) =>
  request(app.server).get(url).set('authorization', `Bearer ${TRAIN}`);

describe('GET /v1/training-jobs/:id/report', () => {
  it('answers HTML under a policy that allows no script and no other origin', async () => {
    const res = await asTrainer(`/v1/training-jobs/${jobId}/report`).expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(res.headers['content-security-policy']).not.toMatch(/script-src/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toContain(`<title>Training job ${jobId}</title>`);
    expect(res.text).toContain('This job has not finished');
  });

  it('needs the train scope, like the JSON resource', async () => {
    await request(app.server).get(`/v1/training-jobs/${jobId}/report`).expect(401);
    const res = await request(app.server)
      .get(`/v1/training-jobs/${jobId}/report`)
      .set('authorization', `Bearer ${PREDICT}`)
      .expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });

  it('answers an unknown job with 404 and an instance without jobs with 503, as JSON', async () => {
    const missing = await asTrainer('/v1/training-jobs/nope/report').expect(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND' });
    const down = await request(bare.server).get('/v1/training-jobs/1/report').expect(503);
    expect(down.body.error.code).toBe('SERVICE_UNAVAILABLE');
  });
});

describe('GET /v1/datasets/:id/report', () => {
  it('reads the statistics with the caller’s key: an unknown set is a 404, not a 401', async () => {
    const res = await asTrainer('/v1/datasets/no-such-set/report').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  });

  it('needs the train scope', async () => {
    await request(app.server)
      .get('/v1/datasets/fashion-mnist/report')
      .set('x-api-key', PREDICT)
      .expect(403);
  });

  it('refuses a bad testPerClass before reading anything', async () => {
    const res = await asTrainer('/v1/datasets/fashion-mnist/report?testPerClass=0').expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});
