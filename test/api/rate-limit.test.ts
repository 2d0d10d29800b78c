import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, AppDeps } from '../../src/app.js';
import type { RateLimits } from '../../src/auth-keys.js';
import { generateApiKey, hashApiKey } from '../../src/auth-keys.js';
import { readConfig } from '../../src/config.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs } from '../../src/jobs/training-jobs.js';
import { createTuningJobs } from '../../src/tuning/tuning-jobs.js';
import { tuningQueues } from '../../src/tuning/tuning-queues.js';
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
let tuning: ReturnType<typeof tuningQueues>;
const apps: App[] = [];

beforeAll(async () => {
  connection = apiConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix });
  tuning = tuningQueues(connection, prefix);
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await queue.obliterate({ force: true });
  await tuning.queue.obliterate({ force: true });
  await Promise.all([queue.close(), tuning.queue.close(), tuning.flows.close()]);
  connection.disconnect();
});

/** An app with real training jobs and no predictor, so predict requests answer 503. */
async function appWith(env: Record<string, string>, keys = true): Promise<App> {
  const { auth } = readConfig({ ...(keys && { TAILOR_API_KEYS }), ...env });
  const ready = () => connection.status === 'ready';
  const trainingJobs = createTrainingJobs(queue, ready);
  const deps: Partial<AppDeps> = {
    trainingJobs,
    tuningJobs: createTuningJobs({ ...tuning, trainingJobs, redisReady: ready }),
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

/** A random search of `trials` trials over the learning rate. */
const createTuning = (app: App, key: string, trials: number) =>
  request(app.server)
    .post('/v1/tuning-jobs')
    .set('x-api-key', key)
    .send({
      training: { epochs: 1, trainSize: 1000 },
      space: { learningRate: { min: 0.0001, max: 0.01, scale: 'log' } },
      budget: { trials },
    });

/** Training jobs waiting in the queue, trials included. */
const waiting = () => queue.getJobCountByTypes('waiting', 'waiting-children', 'delayed');

describe('tuning jobs and the job rate limit', () => {
  const LIMIT = 5;
  let app: App;

  beforeAll(async () => {
    app = await appWith({ TAILOR_RATE_LIMIT_JOBS: String(LIMIT) });
  });

  it('refuse a tuning job of 100 trials once training jobs have used up the limit', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await createJob(app, KEYS.alice)).status).toBe(202);
    expectRateLimited(await createJob(app, KEYS.alice), LIMIT);
    const before = await waiting();
    const res = await createTuning(app, KEYS.alice, 100);
    expectRateLimited(res, LIMIT);
    expect(res.body.error.message).toContain('this tuning job queues 100 trials');
    expect(res.body.error.message).toContain(`${LIMIT} training jobs per minute per API key`);
    expect(await waiting()).toBe(before);
    expect(await tuning.queue.count()).toBe(0);
  });

  it('count each trial as a training job', async () => {
    const first = await createTuning(app, KEYS.bob, 3);
    expect(first.status).toBe(202);
    expect(first.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 3));
    // 2 left: a tuning job of 3 trials is refused, naming what it needs and what is left.
    const refused = await createTuning(app, KEYS.bob, 3);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['x-ratelimit-remaining']).toBe('2');
    expect(refused.body.error.message).toContain(
      'queues 3 trials, each a training job, and 2 are left',
    );
    // Which the training jobs can still use.
    expect((await createJob(app, KEYS.bob)).status).toBe(202);
    expect((await createJob(app, KEYS.bob)).status).toBe(202);
    expectRateLimited(await createJob(app, KEYS.bob), LIMIT);
  });

  it('let an idle key queue more trials than the limit at once, then wait until it is paid back', async () => {
    const big = await createTuning(app, KEYS.carol, 12);
    expect(big.status).toBe(202);
    expect(big.body.trials).toHaveLength(12);
    const next = await createJob(app, KEYS.carol);
    expect(next.status).toBe(429);
    expect(next.body.error.code).toBe('RATE_LIMITED');
    expect(next.headers['x-ratelimit-remaining']).toBe('0');
    // 12 units at 5 a minute: this window and the next one are spent.
    expect(Number(next.headers['retry-after'])).toBeGreaterThan(60);
    expect(Number(next.headers['retry-after'])).toBeLessThanOrEqual(120);
  });

  it('count a grid by the points it has, when fewer than its budget', async () => {
    const fresh = await appWith({ TAILOR_RATE_LIMIT_JOBS: String(LIMIT) });
    const grid = await request(fresh.server)
      .post('/v1/tuning-jobs')
      .set('x-api-key', KEYS.alice)
      .send({
        space: { learningRate: { values: [0.01, 0.001] } },
        search: 'grid',
        budget: { trials: 50 },
      });
    expect(grid.status).toBe(202);
    expect(grid.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 2));
  });
});

describe("a key's own limits", () => {
  const OWN = { dave: generateApiKey(), erin: generateApiKey() };
  const env = {
    TAILOR_API_KEYS: [
      TAILOR_API_KEYS,
      `dave:admin:${hashApiKey(OWN.dave)}:jobs=1+predict=2`,
      `erin:admin:${hashApiKey(OWN.erin)}:predict=0`,
    ].join(','),
    ...LIMITS,
  };
  let app: App;

  beforeAll(async () => {
    app = await appWith(env);
  });

  it('replace the global ones for that key only', async () => {
    for (let i = 0; i < 2; i++) expect((await predict(app, OWN.dave)).status).toBe(503);
    const res = await predict(app, OWN.dave);
    expectRateLimited(res, 2);
    expect(res.body.error.message).toContain(
      "2 prediction requests per minute per API key 'dave' (the key's own limit, predict=2 in its TAILOR_API_KEYS entry)",
    );
    // Alice has none of her own: the global limit, counted apart.
    for (let i = 0; i < PREDICT_LIMIT; i++)
      expect((await predict(app, KEYS.alice)).status).toBe(503);
    expectRateLimited(await predict(app, KEYS.alice), PREDICT_LIMIT);
  });

  it('lift the global limit for a key whose own is 0', async () => {
    for (let i = 0; i < PREDICT_LIMIT + 3; i++) {
      const res = await predict(app, OWN.erin);
      expect(res.status).toBe(503);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it("count a tuning job one per trial against a key's own job limit", async () => {
    expect((await createJob(app, OWN.dave)).status).toBe(202);
    const res = await createTuning(app, OWN.dave, 4);
    expectRateLimited(res, 1);
    const retry = res.headers['retry-after'];
    expect(res.body.error.message).toBe(
      `rate limit exceeded: 1 training jobs per minute per API key 'dave' (the key's own limit, jobs=1 in its TAILOR_API_KEYS entry; a tuning job counts one per trial); this tuning job queues 4 trials, each a training job, and 0 are left; retry in ${retry} s; to raise it, change jobs=1 in the key's TAILOR_API_KEYS entry (0: no limit) and restart the API`,
    );
    // The global job limit still holds for the others.
    for (let i = 0; i < JOBS_LIMIT; i++) expect((await createJob(app, OWN.erin)).status).toBe(202);
    const global = await createJob(app, OWN.erin);
    expectRateLimited(global, JOBS_LIMIT);
    expect(global.body.error.message).toContain(
      'to raise it, set TAILOR_RATE_LIMIT_JOBS (0: no limit), or give this key its own limit with jobs=N in its TAILOR_API_KEYS entry (tailor api-key --jobs-per-minute N)',
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
    expect(res.body.error.message).toBe(
      `rate limit exceeded: 2 prediction requests per minute per client address (TAILOR_RATE_LIMIT_PREDICT); retry in ${res.headers['retry-after']} s; to raise it, set TAILOR_RATE_LIMIT_PREDICT (0: no limit)`,
    );
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
    expect(paths['/v1/tuning-jobs'].post.responses).toHaveProperty('429');
    expect(paths['/v1/training-jobs'].get.responses).not.toHaveProperty('429');
    expect(paths['/v1/models'].get.responses).not.toHaveProperty('429');
  });
});
