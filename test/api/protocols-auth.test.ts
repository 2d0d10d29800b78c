import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, type Scope } from '../../src/auth-keys.js';
import { readConfig } from '../../src/config.js';
import { useDeployedApp } from './deployed-app.js';

const KEYS = {
  predict: generateApiKey(),
  train: generateApiKey(),
  admin: generateApiKey(),
  limited: generateApiKey(),
};
const SCOPES: Record<keyof typeof KEYS, Scope> = {
  predict: 'predict',
  train: 'train',
  admin: 'admin',
  limited: 'predict',
};
const PREDICT_LIMIT = 12;
const config = readConfig({
  TAILOR_API_KEYS: Object.entries(KEYS)
    .map(([name, key]) => `${name}:${SCOPES[name as keyof typeof KEYS]}:${hashApiKey(key)}`)
    .join(','),
  TAILOR_RATE_LIMIT_PREDICT: String(PREDICT_LIMIT),
  TAILOR_RATE_LIMIT_JOBS: '0',
});
const deployed = useDeployedApp('protocols-auth', { auth: config.auth });

const image = Array.from({ length: 784 }, (_, i) => (i * 7) % 256);
const OIP_BODY = { inputs: [{ name: 'images', shape: [1, 784], datatype: 'FP32', data: image }] };
const TF_BODY = { instances: [image] };

type Route = [method: 'get' | 'post', path: string, body?: object];
/** Inference: the predict scope (or admin). */
const INFERENCE: Route[] = [
  ['post', '/v2/models/model-a/infer', OIP_BODY],
  ['post', '/v2/models/model-a/versions/1/infer', OIP_BODY],
  ['post', '/v1/models/model-a:predict', TF_BODY],
  ['post', '/v1/models/model-a/versions/1:predict', TF_BODY],
  ['post', '/v1/models/default/labels/default:predict', TF_BODY],
];
/** Reads: predict or train, as tailor's own model reads. */
const READS: Route[] = [
  ['get', '/v2'],
  ['get', '/v2/models/model-a'],
  ['get', '/v2/models/model-a/versions/1'],
  ['get', '/v2/models/model-a/ready'],
  ['get', '/v2/models/model-a/versions/1/ready'],
  ['get', '/v1/models/model-a/versions/1'],
  ['get', '/v1/models/model-a/labels/default'],
  ['get', '/v1/models/model-a/metadata'],
  ['get', '/v1/models/model-a/versions/1/metadata'],
  ['get', '/v1/models/model-a/labels/default/metadata'],
];

function call([method, path, body]: Route, key?: string) {
  const req = request(deployed.app.server)[method](path);
  if (key) req.set('authorization', `Bearer ${key}`);
  return body ? req.send(body) : req;
}

describe('standard protocols: API key scopes', () => {
  it.each(INFERENCE)('%s %s: predict and admin keys only', async (...route) => {
    await call(route, KEYS.predict).expect(200);
    await call(route, KEYS.admin).expect(200);
    const refused = await call(route, KEYS.train).expect(403);
    expect(refused.body).toEqual({
      error: expect.stringMatching(
        /needs the predict scope \(or admin\); API key 'train' has train/,
      ),
    });
    const anonymous = await call(route).expect(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(anonymous.body).toEqual({ error: expect.stringContaining('an API key is required') });
  });

  it.each(READS)('%s %s: predict, train and admin keys', async (...route) => {
    for (const key of [KEYS.predict, KEYS.train, KEYS.admin]) await call(route, key).expect(200);
    expect((await call(route).expect(401)).body).toHaveProperty('error');
  });

  it.each(['/v2/health/live', '/v2/health/ready'])('leaves the probe %s open', async (path) => {
    await call(['get', path]).expect(200);
  });
});

describe('standard protocols: the predict rate limit', () => {
  it('counts infer and :predict with tailor predict in one budget, answering 429 {"error"}', async () => {
    const routes: Route[] = [['post', '/v1/models/model-a/predict', TF_BODY], ...INFERENCE];
    for (let i = 0; i < PREDICT_LIMIT; i += 1) {
      await call(routes[i % routes.length] as Route, KEYS.limited).expect(200);
    }
    for (const route of INFERENCE) {
      const res = await call(route, KEYS.limited).expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.body).toEqual({
        error: expect.stringMatching(
          new RegExp(
            `rate limit exceeded: ${PREDICT_LIMIT} prediction requests per minute per API key`,
          ),
        ),
      });
    }
    // Reads are not predictions: they stay open to the same key.
    await call(['get', '/v2/models/model-a'], KEYS.limited).expect(200);
  });
});
