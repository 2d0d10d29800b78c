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
const { redis, prefix } = useRedisPrefix('aliases-auth');
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

/** Each route with the scopes that may call it. */
const ROUTES: ['get' | 'put' | 'delete' | 'post', string, (keyof typeof KEYS)[]][] = [
  ['get', '/v1/aliases', ['predict', 'train']],
  ['get', '/v1/aliases/production', ['predict', 'train']],
  ['put', '/v1/aliases/production', ['train']],
  ['delete', '/v1/aliases/production', ['train']],
  ['post', '/v1/models/m-1/evaluations', ['train']],
];

describe('scopes of the alias and evaluation routes', () => {
  it.each(ROUTES)('%s %s', async (method, path, allowed) => {
    for (const scope of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
      const res = await request(app.server)
        [method](path)
        .set('authorization', `Bearer ${KEYS[scope]}`)
        .send(method === 'put' ? { model: 'm-1' } : {});
      if (allowed.includes(scope)) {
        expect([401, 403], `${method} ${path} with the ${scope} key`).not.toContain(res.status);
      } else {
        expect(res.status, `${method} ${path} with the ${scope} key`).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
      }
    }
    await request(app.server)[method](path).expect(401);
  });
});
