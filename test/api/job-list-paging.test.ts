import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs } from '../../src/jobs/training-jobs.js';
import { createTuningJobs } from '../../src/tuning/tuning-jobs.js';
import { tuningQueues } from '../../src/tuning/tuning-queues.js';
import { removePrefix } from '../support/redis-cleanup.js';
import { buildTestApp } from './helper.js';

const prefix = `test-job-paging-${process.pid}-${Date.now()}`;
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let tuning: ReturnType<typeof tuningQueues>;
let app: App;

beforeAll(async () => {
  connection = apiConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix });
  tuning = tuningQueues(connection, prefix);
  const ready = () => connection.status === 'ready';
  const trainingJobs = createTrainingJobs(queue, ready);
  app = buildTestApp({
    trainingJobs,
    tuningJobs: createTuningJobs({ ...tuning, trainingJobs, redisReady: ready }),
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await Promise.all([queue.close(), tuning.queue.close(), tuning.flows.close()]);
  connection.disconnect();
  const redis = new Redis('redis://127.0.0.1:6379');
  await removePrefix(redis, prefix);
  redis.disconnect();
});

const LISTS = ['/v1/training-jobs', '/v1/tuning-jobs'];

describe('job lists page within bounds', () => {
  it.each(LISTS)('%s answers 400 naming offset for an offset past the maximum', async (path) => {
    for (const offset of ['99999999999999999999', '1e300', '1000001']) {
      const res = await request(app.server).get(`${path}?offset=${offset}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message).toMatch(/offset/);
      expect(res.body.error.message).toMatch(/1000000/);
    }
  });

  it.each(LISTS)('%s answers 400 naming limit for a huge limit', async (path) => {
    const res = await request(app.server).get(`${path}?limit=99999999999999999999`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toMatch(/limit/);
  });

  it.each(LISTS)('%s answers an empty page at the largest offset', async (path) => {
    const res = await request(app.server).get(`${path}?offset=1000000&limit=100`).expect(200);
    expect(res.body).toMatchObject({ items: [], offset: 1000000, limit: 100 });
  });
});
