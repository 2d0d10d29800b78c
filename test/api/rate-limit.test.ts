import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimits } from '../../src/api/auth-keys.js';
import { generateApiKey, hashApiKey } from '../../src/api/auth-keys.js';
import type { App, AppDeps } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs } from '../../src/jobs/training-jobs.js';
import { buildTestApp } from './helper.js';

const PREDICT_LIMIT = 3;
const JOBS_LIMIT = 2;
const KEYS = { alice: generateApiKey(), bob: generateApiKey(), carol: generateApiKey() };
const TAILOR_API_KEYS = Object.entries(KEYS)
  .map(([name, key]) => `${name}:admin:${hashApiKey(key)}`)
  .join(',');

const prefix = `test-rate-limit-${process.pid}-${Date.now()}`;
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
const apps: App[] = [];

beforeAll(async () => {
  connection = apiConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix });
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
});

/** An app with real training jobs and no predictor, so predict requests answer 503. */
async function appWith(env: Record<string, string>, keys = true): Promise<App> {
  const { auth } = readConfig({ ...(keys && { TAILOR_API_KEYS }), ...env });
  const deps: Partial<AppDeps> = {
    trainingJobs: createTrainingJobs(queue, () => connection.status === 'ready'),
    auth,
  };
  const app = buildTestApp(deps);
  apps.push(app);
  await app.ready();
  return app;
}

const LIMITS = {
  TAILOR_RATE_LIMIT_PREDICT: String(PREDICT_LIMIT),
  TAILOR_RATE_LIMIT_JOBS: String(JOBS_LIMIT),
};
/** A valid body: one blank 28x28 image. */
const ONE_IMAGE = { instances: [Array(784).fill(0)] };
const predict = (app: App, key: string, path = '/v1/predict') =>
  request(app.server).post(path).set('x-api-key', key).send(ONE_IMAGE);
const createJob = (app: App, key: string) =>
  request(app.server)
    .post('/v1/training-jobs')
    .set('authorization', `Bearer ${key}`)
    .send({ training: { epochs: 1, trainSize: 1000 } });

function expectRateLimited(res: request.Response, limit: number) {
  expect(res.status).toBe(429);
  expect(res.body.error).toMatchObject({ code: 'RATE_LIMITED', requestId: expect.any(String) });
  expect(res.body.error.message).toContain(`${limit} `);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.headers['x-ratelimit-limit']).toBe(String(limit));
  expect(res.headers['x-ratelimit-remaining']).toBe('0');
  expect(res.headers['x-ratelimit-reset']).toBeDefined();
}

describe('per-key rate limits', () => {
  let app: App;

  beforeAll(async () => {
    app = await appWith(LIMITS);
  });

  it('answer the (N+1)th prediction of a key within a minute with 429 RATE_LIMITED', async () => {
    for (let i = 1; i <= PREDICT_LIMIT; i++) {
      const res = await predict(app, KEYS.alice);
      expect(res.status).toBe(503);
      expect(res.headers['x-ratelimit-limit']).toBe(String(PREDICT_LIMIT));
      expect(res.headers['x-ratelimit-remaining']).toBe(String(PREDICT_LIMIT - i));
    }
    const res = await predict(app, KEYS.alice);
    expectRateLimited(res, PREDICT_LIMIT);
    expect(res.body.error.message).toContain('per API key');
    // Both predict routes draw on the same budget.
    expectRateLimited(await predict(app, KEYS.alice, '/v1/models/m-1/predict'), PREDICT_LIMIT);
  });

  it('leave other keys and unlimited routes alone', async () => {
    expect((await predict(app, KEYS.bob)).status).toBe(503);
    const list = await request(app.server).get('/v1/models').set('x-api-key', KEYS.alice);
    expect(list.status).toBe(503);
    expect(list.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('count both predict routes together', async () => {
    for (const path of ['/v1/predict', '/v1/models/m-1/predict', '/v1/models/m-2/predict']) {
      expect((await predict(app, KEYS.carol, path)).status).toBe(503);
    }
    expectRateLimited(await predict(app, KEYS.carol, '/v1/predict'), PREDICT_LIMIT);
  });

  it('limit job creation per key, separately from predictions', async () => {
    for (let i = 0; i < JOBS_LIMIT; i++)
      expect((await createJob(app, KEYS.alice)).status).toBe(202);
    expectRateLimited(await createJob(app, KEYS.alice), JOBS_LIMIT);
    expect((await createJob(app, KEYS.bob)).status).toBe(202);
    await request(app.server).get('/v1/training-jobs').set('x-api-key', KEYS.alice).expect(200);
  });

  it('do not count requests turned away before a key is known', async () => {
    const fresh = await appWith(LIMITS);
    for (let i = 0; i < PREDICT_LIMIT + 2; i++) {
      await request(fresh.server).post('/v1/predict').send(ONE_IMAGE).expect(401);
    }
    expect((await predict(fresh, KEYS.alice)).headers['x-ratelimit-remaining']).toBe(
      String(PREDICT_LIMIT - 1),
    );
  });
});

describe('rate limit settings', () => {
  it('turn a limit off with 0', async () => {
    const app = await appWith({ TAILOR_RATE_LIMIT_PREDICT: '0', TAILOR_RATE_LIMIT_JOBS: '1' });
    for (let i = 0; i < 10; i++) {
      const res = await predict(app, KEYS.alice);
      expect(res.status).toBe(503);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    expect((await createJob(app, KEYS.alice)).status).toBe(202);
    expectRateLimited(await createJob(app, KEYS.alice), 1);
  });

  it('limit by client address when authentication is off', async () => {
    const app = await appWith({ TAILOR_RATE_LIMIT_PREDICT: '2' }, false);
    const anonymous = () => request(app.server).post('/v1/predict').send(ONE_IMAGE);
    expect((await anonymous()).status).toBe(503);
    expect((await anonymous()).status).toBe(503);
    const res = await anonymous();
    expectRateLimited(res, 2);
    expect(res.body.error.message).toContain('per client address');
  });

  it('are off for an app built without auth settings', async () => {
    const app = buildTestApp();
    apps.push(app);
    await app.ready();
    for (let i = 0; i < 5; i++) {
      const res = await request(app.server).post('/v1/predict').send(ONE_IMAGE);
      expect(res.status).toBe(503);
    }
  });
});

describe('the OpenAPI document', () => {
  it('shows 429 on the limited routes only', async () => {
    const limits: RateLimits = { predictPerMinute: 0, jobsPerMinute: 0 };
    const app = buildTestApp({ auth: { apiKeys: [], rateLimits: limits } });
    apps.push(app);
    await app.ready();
    const { paths } = (await request(app.server).get('/docs/json').expect(200)).body;
    expect(paths['/v1/predict'].post.responses).toHaveProperty('429');
    expect(paths['/v1/models/{id}/predict'].post.responses).toHaveProperty('429');
    expect(paths['/v1/training-jobs'].post.responses).toHaveProperty('429');
    expect(paths['/v1/training-jobs'].get.responses).not.toHaveProperty('429');
    expect(paths['/v1/models'].get.responses).not.toHaveProperty('429');
  });
});
