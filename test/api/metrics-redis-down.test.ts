import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { type ApiServices, createApiServices } from '../../src/service/api-services.js';
import { startRedisServer } from '../support/redis-server.js';
import { buildTestApp } from './helper.js';
import { parseExposition, type Sample, sampleValue } from './metrics-text.js';

// The API wired as `tailor start` wires it, over a Redis of this file's own that it stalls
// and stops.
let redis: Awaited<ReturnType<typeof startRedisServer>>;
let services: ApiServices;
let app: App;
let dir: string;

beforeAll(async () => {
  redis = await startRedisServer(['--enable-debug-command', 'yes']);
  dir = await mkdtemp(join(tmpdir(), 'tailor-metrics-down-'));
  services = createApiServices(
    readConfig({ TAILOR_DATA_DIR: dir, TAILOR_ARTIFACT_DIR: dir, TAILOR_BACKEND: 'wasm' }),
    redis.url,
    '0.0.0-test',
  );
  app = buildTestApp(services.deps);
  await app.ready();
  const deadline = Date.now() + 10_000;
  while ((await request(app.server).get('/readyz')).status !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await app?.close();
  await services?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const res = await request(app.server).get('/metrics').expect(200);
  return { text: res.text, samples: parseExposition(res.text) };
}

describe('/metrics when Redis fails', () => {
  it('answers while Redis stalls, without the queue series', async () => {
    const before = await scrape();
    expect(sampleValue(before.samples, 'tailor_redis_up')).toBe(1);
    expect(
      sampleValue(before.samples, 'tailor_queue_jobs', { queue: 'training', state: 'waiting' }),
    ).toBe(0);

    // Redis answers no one for 8 s; the connection stays up, so only a time limit helps.
    const stalling = new Redis(redis.url);
    let stallEnded = false;
    const stall = stalling.call('DEBUG', 'SLEEP', '8').finally(() => {
      stallEnded = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    const during = await scrape();
    expect(stallEnded).toBe(false);
    expect(sampleValue(during.samples, 'tailor_redis_up')).toBe(0);
    expect(during.text).not.toContain('tailor_queue_jobs{');
    expect(sampleValue(during.samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    await stall;
    stalling.disconnect();
    expect(sampleValue((await scrape()).samples, 'tailor_redis_up')).toBe(1);
  }, 30_000);

  it('answers with what it knows while Redis is down', async () => {
    await redis.stop();
    const deadline = Date.now() + 10_000;
    while ((await request(app.server).get('/readyz')).status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const { samples, text } = await scrape();
    expect(sampleValue(samples, 'tailor_redis_up')).toBe(0);
    expect(text).not.toContain('tailor_queue_jobs{');
    expect(
      sampleValue(samples, 'tailor_http_request_duration_seconds_count', {
        route: '/metrics',
        status_code: '200',
      }),
    ).toBeGreaterThanOrEqual(3);
    expect(sampleValue(samples, 'tailor_predictions_total', { outcome: 'ok' })).toBe(0);
  });
});
