import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '../../src/auth-keys.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { deploymentEnv, startApi } from '../support/tailor-process.js';

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
  const env = deploymentEnv(prefix, dir, {
    TAILOR_BACKEND: 'cpu',
    TAILOR_API_KEYS: `svc:admin:${hashApiKey(KEY)}`,
    TAILOR_RATE_LIMIT_PREDICT: String(PREDICT_LIMIT),
    TAILOR_RATE_LIMIT_JOBS: String(JOBS_LIMIT),
    // A loaded machine can keep a count waiting past the default 200 ms; it must not fail open.
    TAILOR_RATE_LIMIT_REDIS_TIMEOUT_MS: '30000',
  });
  apis = await Promise.all([startApi(env), startApi(env)]);
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
    const predict = (i: number) => post(`${apis[i % 2]?.url}/v1/predict`, image);
    // Half the limit one request at a time, alternating: each replica sees the other's count.
    const remaining: number[] = [];
    for (let i = 0; i < PREDICT_LIMIT / 2; i++) {
      const res = await predict(i);
      expect(res.status).not.toBe(429);
      remaining.push(Number(res.headers.get('x-ratelimit-remaining')));
    }
    expect(remaining).toEqual([11, 10, 9, 8, 7, 6]);
    // Then three times the limit at once to both: the other half passes, and not a unit more.
    const burst = await Promise.all(
      Array.from({ length: 3 * PREDICT_LIMIT }, (_, i) => predict(i)),
    );
    const passed = burst.filter((res) => res.status !== 429);
    expect(passed).toHaveLength(PREDICT_LIMIT / 2);
    const left = passed.map((res) => Number(res.headers.get('x-ratelimit-remaining')));
    expect(left.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    const refused = burst.find((res) => res.status === 429);
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
