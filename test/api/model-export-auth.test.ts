import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { generateApiKey, hashApiKey } from '../../src/auth-keys.js';
import { readConfig } from '../../src/config.js';
import { createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { buildTestApp } from './helper.js';

const KEYS = { predict: generateApiKey(), train: generateApiKey() };
const { redis, prefix } = useRedisPrefix('model-export-auth');
let app: App;

beforeAll(async () => {
  const config = readConfig({
    TAILOR_API_KEYS: Object.entries(KEYS)
      .map(([scope, key]) => `${scope}:${scope}:${hashApiKey(key)}`)
      .join(','),
  });
  app = buildTestApp({
    models: {
      registry: createModelRegistry({ redis, prefix }),
      store: createFileArtifactStore('unused'),
    },
    auth: config.auth,
  });
  await app.ready();
});

afterAll(() => app?.close());

// A download is a read of the model: the scopes that may read /v1/models/{id} may export it.
const ROUTES = [
  '/v1/models/m-1/export?format=keras',
  '/v1/models/m-1/export/tfjs/model.json',
  '/v1/models/m-1/export/tfjs/weights.bin',
];

describe('scopes of the model export routes', () => {
  it.each(ROUTES)('GET %s: predict and train keys, never anonymous', async (path) => {
    for (const scope of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
      const res = await request(app.server).get(path).set('authorization', `Bearer ${KEYS[scope]}`);
      // Past authentication and scopes, the unknown model answers 404.
      expect(res.status, `${path} with the ${scope} key`).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    const anonymous = await request(app.server).get(path).expect(401);
    expect(anonymous.body.error.code).toBe('UNAUTHORIZED');
  });
});
