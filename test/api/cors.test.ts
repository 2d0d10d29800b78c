import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { generateApiKey, hashApiKey } from '../../src/auth-keys.js';
import { readConfig } from '../../src/config.js';
import { createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { buildTestApp } from './helper.js';

const ALLOWED = 'https://dashboard.example.com';
const OTHER = 'https://evil.example.net';
const KEY = generateApiKey();

const { redis, prefix } = useRedisPrefix('cors-api');
const models = {
  registry: createModelRegistry({ redis, prefix }),
  store: createFileArtifactStore('unused'),
};
let withCors: App;
let withoutCors: App;

beforeAll(async () => {
  // Keys on: a preflight, which carries none, must still be answered.
  const config = readConfig({
    TAILOR_API_KEYS: `page:predict:${hashApiKey(KEY)}`,
    TAILOR_CORS_ORIGINS: `${ALLOWED} http://localhost:5173`,
  });
  withCors = buildTestApp({ models, auth: config.auth, http: config.http });
  withoutCors = buildTestApp({ models, auth: config.auth, http: { corsOrigins: [] } });
  await Promise.all([withCors.ready(), withoutCors.ready()]);
});

afterAll(async () => {
  await Promise.all([withCors?.close(), withoutCors?.close()]);
});

const preflight = (app: App, origin: string) =>
  request(app.server)
    .options('/v1/models')
    .set('origin', origin)
    .set('access-control-request-method', 'GET')
    .set('access-control-request-headers', 'authorization');

describe('CORS, when origins are configured', () => {
  it('answers a preflight from an allowed origin without an API key', async () => {
    const res = await preflight(withCors, ALLOWED).expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-methods']).toMatch(/\bGET\b/);
    expect(res.headers['access-control-allow-headers']).toMatch(/\bauthorization\b/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.vary).toMatch(/origin/i);
  });

  it('gives a preflight from another origin no permission', async () => {
    const res = await preflight(withCors, OTHER);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("lets an allowed page read answers and their headers, a 401's included", async () => {
    const ok = await request(withCors.server)
      .get('/v1/models')
      .set('origin', ALLOWED)
      .set('authorization', `Bearer ${KEY}`)
      .expect(200);
    expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(ok.headers['access-control-expose-headers']).toMatch(/x-request-id/);
    expect(ok.headers['access-control-expose-headers']).toMatch(/etag/);
    const refused = await request(withCors.server)
      .get('/v1/models')
      .set('origin', ALLOWED)
      .expect(401);
    expect(refused.headers['access-control-allow-origin']).toBe(ALLOWED);
    const other = await request(withCors.server)
      .get('/v1/models')
      .set('origin', OTHER)
      .set('authorization', `Bearer ${KEY}`)
      .expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS, off by default', () => {
  it('sends no CORS header and answers no preflight', async () => {
    const res = await preflight(withoutCors, ALLOWED);
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const get = await request(withoutCors.server)
      .get('/v1/models')
      .set('origin', ALLOWED)
      .set('authorization', `Bearer ${KEY}`)
      .expect(200);
    for (const header of Object.keys(get.headers)) {
      expect(header).not.toMatch(/^access-control-/);
    }
  });

  it('is off when the app is built without settings', async () => {
    const app = buildTestApp({ models });
    await app.ready();
    try {
      const res = await request(app.server).get('/healthz').set('origin', ALLOWED).expect(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
