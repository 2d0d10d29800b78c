import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { readinessFrom } from '../../src/api/readiness.js';
import type { App } from '../../src/app.js';
import { buildTestApp } from './helper.js';

let app: App | undefined;

async function start(...args: Parameters<typeof buildTestApp>): Promise<App> {
  app = buildTestApp(...args);
  await app.ready();
  return app;
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('GET /healthz', () => {
  it('answers ok without consulting dependencies', async () => {
    let consulted = false;
    const server = await start({
      readiness: async () => {
        consulted = true;
        return {};
      },
    });
    const started = performance.now();
    const res = await request(server.server).get('/healthz').expect(200);
    expect(performance.now() - started).toBeLessThan(500);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(consulted).toBe(false);
  });
});

describe('GET /readyz', () => {
  it('is 200 with the checks when every check is ok', async () => {
    const server = await start({ readiness: async () => ({ redis: { ok: true } }) });
    const res = await request(server.server).get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ready', checks: { redis: { ok: true } } });
  });

  it('is 503 naming the failing check', async () => {
    const server = await start({
      readiness: async () => ({
        redis: { ok: true },
        store: { ok: false, detail: 'bucket missing' },
      }),
    });
    const res = await request(server.server).get('/readyz').expect(503);
    expect(res.body).toEqual({
      status: 'not_ready',
      checks: { redis: { ok: true }, store: { ok: false, detail: 'bucket missing' } },
    });
  });

  it('is 503, not 500, when the readiness function throws', async () => {
    const server = await start({
      readiness: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    });
    const res = await request(server.server).get('/readyz').expect(503);
    expect(res.body).toEqual({
      status: 'not_ready',
      checks: { readiness: { ok: false, detail: 'connect ECONNREFUSED' } },
    });
  });

  it('counts a throwing check as not ok with its message and still runs the others', async () => {
    const readiness = readinessFrom({
      redis: async () => {
        throw new Error('connection is closed');
      },
      store: async () => {},
    });
    const server = await start({ readiness });
    const res = await request(server.server).get('/readyz').expect(503);
    expect(res.body).toEqual({
      status: 'not_ready',
      checks: { redis: { ok: false, detail: 'connection is closed' }, store: { ok: true } },
    });
  });
});

describe('readinessFrom', () => {
  it('counts a check that hangs past the timeout as not ok', async () => {
    const readiness = readinessFrom(
      { slow: () => new Promise<void>(() => {}), fast: async () => {} },
      { timeoutMs: 20 },
    );
    expect(await readiness()).toEqual({
      slow: { ok: false, detail: 'timed out after 20 ms' },
      fast: { ok: true },
    });
  });
});
