import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { generateApiKey, hashApiKey, type Scope } from '../../src/auth-keys.js';
import { readConfig } from '../../src/config.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs } from '../../src/jobs/training-jobs.js';
import { createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { buildTestApp, capturingLogger } from './helper.js';

/** One key per scope group, created and configured as an operator would. */
const KEYS = {
  predict: generateApiKey(),
  train: generateApiKey(),
  admin: generateApiKey(),
  both: generateApiKey(),
};
const SCOPES: Record<keyof typeof KEYS, Scope[]> = {
  predict: ['predict'],
  train: ['train'],
  admin: ['admin'],
  both: ['predict', 'train'],
};
const TAILOR_API_KEYS = Object.entries(KEYS)
  .map(([name, key]) => `${name}:${SCOPES[name as keyof typeof KEYS].join('+')}:${hashApiKey(key)}`)
  .join(',\n');

/** A route no table entry names; the default must close it to everyone but admin. */
const UNLISTED = '/v1/unlisted-probe';

const { redis, prefix } = useRedisPrefix('auth-api');
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let app: App;
const logs = capturingLogger();

beforeAll(async () => {
  connection = apiConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix });
  const config = readConfig({
    TAILOR_API_KEYS,
    TAILOR_RATE_LIMIT_PREDICT: '0',
    TAILOR_RATE_LIMIT_JOBS: '0',
  });
  app = buildTestApp(
    {
      trainingJobs: createTrainingJobs(queue, () => connection.status === 'ready'),
      models: {
        registry: createModelRegistry({ redis, prefix }),
        store: createFileArtifactStore('unused'),
      },
      auth: config.auth,
    },
    { loggerInstance: logs.logger },
  );
  app.get(UNLISTED, async (req) => ({ apiKey: req.apiKey }));
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
});

type Method = 'get' | 'post' | 'head';

function call(method: Method, path: string, headers: Record<string, string> = {}) {
  const req = request(app.server)[method](path).set(headers);
  return method === 'post' ? req.send({}) : req;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys: authentication', () => {
  it('answers 401 UNAUTHORIZED with a Bearer challenge when no key is sent', async () => {
    const res = await call('get', '/v1/models').expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED', requestId: expect.any(String) });
    expect(res.body.error.message).toContain('X-API-Key');
  });

  it.each([
    ['an unknown key', generateApiKey()],
    ['the stored hash itself', hashApiKey(KEYS.admin)],
    ['a known key with a character changed', `${KEYS.admin.slice(0, -1)}#`],
  ])('answers 401 to %s', async (_, key) => {
    const res = await call('get', '/v1/models', bearer(key)).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b.*invalid_token/);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('accepts the key as a Bearer token (any case of the scheme) or in X-API-Key', async () => {
    await call('get', '/v1/models', bearer(KEYS.predict)).expect(200);
    await call('get', '/v1/models', { authorization: `bearer ${KEYS.predict}` }).expect(200);
    await call('get', '/v1/models', { 'x-api-key': KEYS.predict }).expect(200);
  });

  it('does not take a key from another Authorization scheme', async () => {
    const basic = `Basic ${Buffer.from(`u:${KEYS.admin}`).toString('base64')}`;
    await call('get', '/v1/models', { authorization: basic }).expect(401);
    await call('get', '/v1/models', { authorization: KEYS.admin }).expect(401);
  });

  it.each(['/healthz', '/readyz', '/docs/json', '/docs/yaml'])(
    'leaves %s open, even to an unknown key',
    async (path) => {
      await call('get', path).expect(200);
      await call('get', path, bearer(generateApiKey())).expect(200);
    },
  );

  it('leaves the Swagger UI open', async () => {
    const res = await call('get', '/docs').redirects(2).expect(200);
    expect(res.text).toContain('swagger-ui');
  });

  it('answers 401 for an unknown URL without a key, 404 with any valid key', async () => {
    await call('get', '/v1/nothing-here').expect(401);
    const res = await call('get', '/v1/nothing-here', bearer(KEYS.predict)).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

/** Routes of every scope group, and which of the keys may call each. */
const ROUTES: [Method, string, (keyof typeof KEYS)[]][] = [
  ['post', '/v1/predict', ['predict', 'both', 'admin']],
  ['post', '/v1/models/m-1/predict', ['predict', 'both', 'admin']],
  ['get', '/v1/models', ['predict', 'train', 'both', 'admin']],
  ['head', '/v1/models', ['predict', 'train', 'both', 'admin']],
  ['get', '/v1/models/m-1', ['predict', 'train', 'both', 'admin']],
  ['post', '/v1/training-jobs', ['train', 'both', 'admin']],
  ['get', '/v1/training-jobs', ['train', 'both', 'admin']],
  ['get', '/v1/training-jobs/1', ['train', 'both', 'admin']],
  ['post', '/v1/training-jobs/1/cancel', ['train', 'both', 'admin']],
  ['get', '/v1/training-jobs/no-such-job/events', ['train', 'both', 'admin']],
  ['get', '/v1/datasets', ['train', 'both', 'admin']],
  ['get', '/v1/datasets/fashion-mnist', ['train', 'both', 'admin']],
  ['post', '/v1/datasets', ['train', 'both', 'admin']],
  ['get', UNLISTED, ['admin']],
];

describe('API keys: scopes', () => {
  it.each(ROUTES)('%s %s: 403 to keys without its scope', async (method, path, allowed) => {
    // The admin key reaches the handler; whatever it answered, an allowed key gets the same.
    const reached = (await call(method, path, bearer(KEYS.admin))).status;
    expect([401, 403]).not.toContain(reached);
    for (const name of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
      const res = await call(method, path, bearer(KEYS[name]));
      const expected = allowed.includes(name) ? reached : 403;
      expect(res.status, `${method} ${path} with the ${name} key`).toBe(expected);
      if (expected === 403 && method !== 'head') {
        expect(res.body.error.code).toBe('FORBIDDEN');
        expect(res.body.error.message).toContain(allowed.includes('train') ? 'train' : 'admin');
      }
    }
  });

  it('names the scope a route needs in the 403 message', async () => {
    const res = await call('post', '/v1/training-jobs', bearer(KEYS.predict)).expect(403);
    expect(res.body.error.message).toBe(
      "POST /v1/training-jobs needs the train scope (or admin); API key 'predict' has predict",
    );
    const unlisted = await call('get', UNLISTED, bearer(KEYS.both)).expect(403);
    expect(unlisted.body.error.message).toContain('needs the admin scope');
  });

  it("exposes the key's name and scopes on the request, never the key", async () => {
    const res = await call('get', UNLISTED, { 'x-api-key': KEYS.admin }).expect(200);
    expect(res.body).toEqual({ apiKey: { name: 'admin', scopes: ['admin'] } });
  });
});

describe('API keys: logs', () => {
  it('bind the key name to the request log and never contain a key', async () => {
    await call('get', '/v1/models', bearer(KEYS.train)).expect(200);
    await call('post', '/v1/predict', { 'x-api-key': KEYS.train }).expect(403);
    await call('get', '/v1/models', bearer(`${KEYS.train}x`)).expect(401);
    // A key sent where it does not belong, in the query string, is not logged either.
    await call('get', `/v1/models?api_key=${KEYS.predict}&limit=5&token=${KEYS.admin}`, {}).expect(
      401,
    );
    const incoming = logs.lines.filter((line) => line.msg === 'incoming request');
    expect(JSON.stringify(incoming)).toContain(
      '/v1/models?api_key=[redacted]&limit=5&token=[redacted]',
    );
    const completed = logs.lines.filter(
      (line) => line.msg === 'request completed' && line.apiKey === 'train',
    );
    expect(completed.length).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(logs.lines);
    for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
  });
});

describe('the OpenAPI document', () => {
  it('declares both schemes, requires one globally and none for the probes', async () => {
    const doc = (await call('get', '/docs/json').expect(200)).body;
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    });
    expect(doc.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.paths['/v1/models'].get.responses).toHaveProperty('401');
    expect(doc.paths['/v1/models'].get.responses).toHaveProperty('403');
  });
});
