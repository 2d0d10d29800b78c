import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { generateApiKey, hashApiKey } from '../../src/auth-keys.js';
import { readConfig } from '../../src/config.js';
import { useDeployedApp } from './deployed-app.js';
import { buildTestApp } from './helper.js';

/**
 * The rate limits as a fresh install has them, and per-key limits, over real predictions of a
 * registered model. The deployed app is built with the limits of `readConfig({})`, the
 * defaults; the keyed app shares its services with keys configured.
 */
const deployed = useDeployedApp('rl-defaults', { auth: readConfig({}).auth });
const PREDICT = '/v1/models/model-a/predict';
const ONE_IMAGE = { instances: [Array(784).fill(0.5)] };

const KEYS = { limited: generateApiKey(), plain: generateApiKey() };
const GLOBAL_PREDICT = 7;
const OWN_PREDICT = 5;

let keyed: App;
const predictAs = (key: string) =>
  request(keyed.server).post(PREDICT).set('x-api-key', key).send(ONE_IMAGE);

function expectPrediction(res: request.Response) {
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  expect(res.body.predictions).toHaveLength(1);
}

describe('a fresh install without API keys', () => {
  it('answers 700 predictions from one address within a minute, none with 429', async () => {
    const statuses = new Map<number, number>();
    const limitHeaders = new Set<unknown>();
    // Eight at a time, as a few callers behind one proxy would send them.
    const CONCURRENCY = 8;
    const TOTAL = 700;
    const started = Date.now();
    for (let sent = 0; sent < TOTAL; sent += CONCURRENCY) {
      const batch = Array.from({ length: Math.min(CONCURRENCY, TOTAL - sent) }, () =>
        request(deployed.app.server).post(PREDICT).send(ONE_IMAGE),
      );
      for (const res of await Promise.all(batch)) {
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        limitHeaders.add(res.headers['x-ratelimit-limit']);
      }
    }
    // Within one window of the old per-address limit (600 a minute), or the test proves nothing.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(Object.fromEntries(statuses)).toEqual({ 200: TOTAL });
    expect([...limitHeaders]).toEqual([undefined]);
  });

  it('still limits training jobs per address by default', () => {
    expect(readConfig({}).auth.rateLimits).toEqual({ predictPerMinute: 0, jobsPerMinute: 30 });
  });
});

describe('a key with its own predict limit', () => {
  beforeAll(async () => {
    const { auth } = readConfig({
      TAILOR_API_KEYS: [
        `limited:predict:${hashApiKey(KEYS.limited)}:predict=${OWN_PREDICT}`,
        `plain:predict:${hashApiKey(KEYS.plain)}`,
      ].join(','),
      TAILOR_RATE_LIMIT_PREDICT: String(GLOBAL_PREDICT),
    });
    keyed = buildTestApp({ ...deployed.deps, auth });
    await keyed.ready();
  });

  afterAll(async () => {
    await keyed?.close();
  });

  it('answers its 6th prediction with 429 naming the key, its limit and how to raise it', async () => {
    for (let i = 1; i <= OWN_PREDICT; i++) {
      const res = await predictAs(KEYS.limited);
      expectPrediction(res);
      expect(res.headers['x-ratelimit-limit']).toBe(String(OWN_PREDICT));
      expect(res.headers['x-ratelimit-remaining']).toBe(String(OWN_PREDICT - i));
    }
    const res = await predictAs(KEYS.limited);
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const retry = res.headers['retry-after'];
    expect(res.body.error.message).toBe(
      `rate limit exceeded: 5 prediction requests per minute per API key 'limited' (the key's own limit, predict=5 in its TAILOR_API_KEYS entry); retry in ${retry} s; to raise it, change predict=5 in the key's TAILOR_API_KEYS entry (0: no limit) and restart the API`,
    );
  });

  it('leaves a key without its own limit on the global one', async () => {
    for (let i = 1; i <= GLOBAL_PREDICT; i++) {
      const res = await predictAs(KEYS.plain);
      expectPrediction(res);
      expect(res.headers['x-ratelimit-limit']).toBe(String(GLOBAL_PREDICT));
    }
    const res = await predictAs(KEYS.plain);
    expect(res.status).toBe(429);
    const retry = res.headers['retry-after'];
    expect(res.body.error.message).toBe(
      `rate limit exceeded: 7 prediction requests per minute per API key 'plain' (TAILOR_RATE_LIMIT_PREDICT); retry in ${retry} s; to raise it, set TAILOR_RATE_LIMIT_PREDICT (0: no limit), or give this key its own limit with predict=N in its TAILOR_API_KEYS entry (tailor api-key --predict-per-minute N)`,
    );
  });
});
