import { describe, expect, it } from 'vitest';
import { RATE_WINDOW_MS } from '../../src/api/plugins/rate-limit.js';
import {
  RateLimitTimeoutError,
  redisRateLimitStore,
} from '../../src/api/plugins/redis-rate-limit-store.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { capturingLogger } from './helper.js';
import { useOwnRedisApp } from './own-redis-app.js';

// Rate limits counted in a Redis of this file's own, which it kills and freezes: predict
// fails open (it serves loaded models without Redis anyway), job creation fails closed.
const { logger, lines } = capturingLogger();
const own = useOwnRedisApp(
  { TAILOR_RATE_LIMIT_PREDICT: '2', TAILOR_RATE_LIMIT_JOBS: '5' },
  { loggerInstance: logger },
);

const image = { instances: [Array.from({ length: 784 }, (_, i) => (i % 28) / 28)] };
const predict = () =>
  own.app.inject({ method: 'POST', url: '/v1/models/model-a/predict', payload: image });
const createJob = () =>
  own.app.inject({
    method: 'POST',
    url: '/v1/training-jobs',
    payload: { training: { epochs: 1, trainSize: 1000 } },
  });

/** Waits until the API's connection is back (`/readyz` answers 200). */
async function untilReady(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await own.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the API did not reconnect to Redis');
}

describe('rate limits while their Redis is down', () => {
  it('predict serves uncounted, job creation answers 503, and the counts resume with Redis', async () => {
    for (const remaining of ['1', '0']) {
      const res = await predict();
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-remaining']).toBe(remaining);
    }
    expect((await predict()).statusCode).toBe(429);

    await own.redis.crash();
    for (let i = 0; i < 3; i++) {
      const res = await predict();
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    // The outage is logged once, not once per request.
    const warnings = lines.filter((l) => String(l.msg).startsWith('rate limits cannot be counted'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toBe(
      'rate limits cannot be counted; prediction requests are let through uncounted until the store answers',
    );
    const job = await createJob();
    expect(job.statusCode).toBe(503);
    expect(job.json().error.message).toMatch(
      /Redis is unavailable, so the rate limit on training jobs cannot be counted; retry later/,
    );
    expect(job.headers['retry-after']).toMatch(/^\d+$/);

    // Back from its append-only file, Redis still holds the minute's count.
    await own.redis.revive();
    await untilReady();
    expect((await predict()).statusCode).toBe(429);
  });

  it('a Redis that stops answering costs a request the store timeout, not a hang', async () => {
    const connection = apiConnection(own.redis.url);
    await new Promise((resolve) => connection.once('ready', resolve));
    const store = redisRateLimitStore({
      redis: connection,
      prefix: 'frozen',
      windowMs: RATE_WINDOW_MS,
      timeoutMs: 200,
    });
    own.redis.pause();
    try {
      const started = Date.now();
      await expect(store.take('k', 5, 1)).rejects.toBeInstanceOf(RateLimitTimeoutError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      // The API's own store (its timeout 2 s): job creation is refused, not left hanging.
      const job = await createJob();
      expect(job.statusCode).toBe(503);
      expect(job.json().error.message).toMatch(/rate limit on training jobs cannot be counted/);
    } finally {
      own.redis.resume();
      connection.disconnect();
    }
  });
});
