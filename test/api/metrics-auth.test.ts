import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { generateApiKey, hashApiKey } from '../../src/auth-keys.js';
import { readConfig } from '../../src/config.js';
import { buildTestApp } from './helper.js';

const KEYS = { scraper: generateApiKey(), caller: generateApiKey(), ops: generateApiKey() };
let app: App;

beforeAll(async () => {
  const config = readConfig({
    TAILOR_API_KEYS: [
      `scraper:metrics:${hashApiKey(KEYS.scraper)}`,
      `caller:predict+train:${hashApiKey(KEYS.caller)}`,
      `ops:admin:${hashApiKey(KEYS.ops)}`,
    ].join(','),
  });
  app = buildTestApp({ auth: config.auth });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
});

const scrape = (key?: string) => {
  const req = request(app.server).get('/metrics');
  return key === undefined ? req : req.set('authorization', `Bearer ${key}`);
};

describe('who may scrape /metrics when API keys are on', () => {
  it('a metrics key or an admin key', async () => {
    const res = await scrape(KEYS.scraper).expect(200);
    expect(res.text).toContain('# TYPE tailor_http_request_duration_seconds histogram');
    await scrape(KEYS.ops).expect(200);
  });

  it('no one else: 401 without a key, 403 for a key of other scopes', async () => {
    const anonymous = await scrape().expect(401);
    expect(anonymous.body.error.code).toBe('UNAUTHORIZED');
    const caller = await scrape(KEYS.caller).expect(403);
    expect(caller.body.error).toMatchObject({
      code: 'FORBIDDEN',
      message:
        "GET /metrics needs the metrics scope (or admin); API key 'caller' has predict, train",
    });
  });

  it('a metrics key reaches nothing else', async () => {
    const res = await request(app.server)
      .get('/v1/models')
      .set('authorization', `Bearer ${KEYS.scraper}`)
      .expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });

  it('never shows a key, hashed or not', async () => {
    const res = await scrape(KEYS.scraper).expect(200);
    for (const key of Object.values(KEYS)) {
      expect(res.text).not.toContain(key);
      expect(res.text).not.toContain(hashApiKey(key));
    }
    expect(res.text).not.toMatch(/scraper|caller|ops/);
  });
});
