import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { selectBackend } from '../../src/ml/backend.js';
import { type ApiServices, createApiServices } from '../../src/service/api-services.js';
import { startRedisServer } from '../support/redis-server.js';
import { registerModel } from '../support/registered-model.js';
import { SMALL_SPEC } from './deployed-app.js';
import { buildTestApp } from './helper.js';

// The API wired as `tailor start` wires it, over a Redis of this file's own that it stops.
let redis: Awaited<ReturnType<typeof startRedisServer>>;
let services: ApiServices;
let app: App;
let dir: string;

const image = { instances: [Array.from({ length: 784 }, (_, i) => (i % 28) / 28)] };

beforeAll(async () => {
  redis = await startRedisServer();
  dir = await mkdtemp(join(tmpdir(), 'tailor-outage-'));
  services = createApiServices(
    readConfig({
      TAILOR_DATA_DIR: dir,
      TAILOR_ARTIFACT_DIR: dir,
      TAILOR_BACKEND: 'wasm',
      TAILOR_RATE_LIMIT_PREDICT: '0',
      TAILOR_RATE_LIMIT_JOBS: '0',
    }),
    redis.url,
    '0.0.0-test',
  );
  const models = services.deps.models;
  if (!models) throw new Error('createApiServices wired no model registry');
  await selectBackend('wasm');
  (await registerModel(models, SMALL_SPEC, 'model-a', 1)).dispose();
  app = buildTestApp(services.deps);
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await services?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const predict = (path: string) => app.inject({ method: 'POST', url: path, payload: image });

describe('while Redis is down', () => {
  it('predict keeps serving the models it resolved before; the rest answers 503 with Retry-After', async () => {
    for (const path of ['/v1/models/model-a/predict', '/v1/predict']) {
      expect((await predict(path)).statusCode).toBe(200);
    }
    await redis.stop();

    for (const path of ['/v1/models/model-a/predict', '/v1/predict']) {
      const res = await predict(path);
      expect(res.statusCode, path).toBe(200);
      expect(res.json().model).toEqual({ id: 'model-a', version: 1 });
    }

    const refused: [string, string, unknown?][] = [
      ['POST', '/v1/models/model-b/predict', image],
      ['GET', '/v1/models'],
      ['GET', '/v1/models/model-a'],
      ['GET', '/v1/aliases'],
      ['PUT', '/v1/aliases/staging', { model: 'model-a' }],
      ['POST', '/v1/models/model-a/evaluations', { limit: 10 }],
      ['GET', '/v1/training-jobs'],
      ['POST', '/v1/training-jobs', {}],
      ['GET', '/v1/training-jobs/1'],
      ['GET', '/v1/training-jobs/1/report'],
      ['GET', '/v1/training-jobs/1/events'],
      ['POST', '/v1/training-jobs/1/cancel'],
      [
        'POST',
        '/v1/tuning-jobs',
        { space: { learningRate: { values: [0.001] } }, budget: { trials: 1 } },
      ],
      ['GET', '/v1/tuning-jobs'],
      ['GET', '/v1/tuning-jobs/tune-0123456789ab'],
    ];
    for (const [method, url, payload] of refused) {
      const res = await app.inject({ method: method as 'GET', url, payload: payload as object });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(503);
      expect(res.headers['retry-after'], `${method} ${url}`).toMatch(/^\d+$/);
      const { error } = res.json();
      expect(error.code, `${method} ${url}`).toMatch(/^(SERVICE|QUEUE)_UNAVAILABLE$/);
      expect(error.message, `${method} ${url}`).toMatch(/Redis.*unavailable.*retry/i);
    }
  });
});
