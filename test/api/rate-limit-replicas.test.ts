import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '../../src/api/auth-keys.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { startApi } from '../support/tailor-process.js';

// Two `tailor serve` processes on one Redis, as two API replicas behind a load balancer:
// together they enforce one limit, not one each.
const PREDICT_LIMIT = 12;
const JOBS_LIMIT = 4;
const KEY = generateApiKey();
const { prefix } = useRedisPrefix('rl-replicas');
let apis: Awaited<ReturnType<typeof startApi>>[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailor-replicas-'));
  const env = {
    REDIS_URL: 'redis://127.0.0.1:6379',
    TAILOR_QUEUE_PREFIX: prefix,
    TAILOR_DATA_DIR: dir,
    TAILOR_ARTIFACT_DIR: dir,
    TAILOR_BACKEND: 'cpu',
    TAILOR_API_KEYS: `svc:admin:${hashApiKey(KEY)}`,
    TAILOR_RATE_LIMIT_PREDICT: String(PREDICT_LIMIT),
    TAILOR_RATE_LIMIT_JOBS: String(JOBS_LIMIT),
    LOG_LEVEL: 'warn',
  };
  // `warn` hides the 'api listening' line the helper waits for; each keeps its info level.
  apis = await Promise.all([
    startApi({ ...env, LOG_LEVEL: 'info' }),
    startApi({ ...env, LOG_LEVEL: 'info' }),
  ]);
});

afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop()));
  await rm(dir, { recursive: true, force: true });
});

const post = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY },
    body: JSON.stringify(body),
  });

describe('two API processes on one Redis', () => {
  it('answer one prediction limit between them, each unit counted once', async () => {
    const image = { instances: [Array(784).fill(0.5)] };
    // Three times the limit, sent at once, alternating between the replicas.
    const answers = await Promise.all(
      Array.from({ length: 3 * PREDICT_LIMIT }, (_, i) =>
        post(`${apis[i % 2]?.url}/v1/predict`, image),
      ),
    );
    const passed = answers.filter((res) => res.status !== 429);
    expect(passed).toHaveLength(PREDICT_LIMIT);
    // Both replicas served some, and each remaining count was handed out once.
    expect(new Set(passed.map((res) => res.url.split('/v1')[0])).size).toBe(2);
    const remaining = passed.map((res) => Number(res.headers.get('x-ratelimit-remaining')));
    expect(remaining.sort((a, b) => a - b)).toEqual(
      Array.from({ length: PREDICT_LIMIT }, (_, i) => i),
    );
    const refused = answers.find((res) => res.status === 429);
    const body = (await refused?.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(
      new RegExp(
        `^rate limit exceeded: ${PREDICT_LIMIT} prediction requests per minute per API key 'svc'`,
      ),
    );
    expect(refused?.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('count a tuning job on one replica against training jobs on the other', async () => {
    const [a, b] = apis;
    const tuning = await post(`${a?.url}/v1/tuning-jobs`, {
      training: { epochs: 1, trainSize: 1000 },
      space: { learningRate: { values: [0.001, 0.002, 0.003] } },
      budget: { trials: 3 },
    });
    expect(tuning.status, await tuning.clone().text()).toBe(202);
    const job = { training: { epochs: 1, trainSize: 1000 } };
    expect((await post(`${b?.url}/v1/training-jobs`, job)).status).toBe(202);
    const refused = await post(`${b?.url}/v1/training-jobs`, job);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit')).toBe(String(JOBS_LIMIT));
    expect((await post(`${a?.url}/v1/training-jobs`, job)).status).toBe(429);
  });
});
