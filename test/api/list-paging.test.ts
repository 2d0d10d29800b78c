import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs } from '../../src/jobs/training-jobs.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { createTuningJobs } from '../../src/tuning/tuning-jobs.js';
import { tuningQueues } from '../../src/tuning/tuning-queues.js';
import { removePrefix } from '../support/redis-cleanup.js';
import { buildTestApp } from './helper.js';

/** Every list of the API pages the same way: `limit`, `cursor`, `nextCursor`. */
const prefix = `test-list-paging-${process.pid}-${Date.now()}`;
const SPEC = parseSpec({ conv: [{ channels: 4, pool: 2 }], dense: [{ neurons: 16 }, {}] });
const LISTS = ['/v1/training-jobs', '/v1/tuning-jobs', '/v1/models', '/v1/aliases', '/v1/datasets'];
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let tuning: ReturnType<typeof tuningQueues>;
let app: App;
let dir: string;

beforeAll(async () => {
  connection = apiConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix });
  tuning = tuningQueues(connection, prefix);
  dir = await mkdtemp(join(tmpdir(), 'tailor-list-paging-'));
  const registry = createModelRegistry({ redis: connection, prefix });
  for (let i = 0; i < 5; i++) {
    await registry.register({
      id: `model-${i}`,
      jobId: `job-${i}`,
      spec: SPEC,
      metrics: {},
      classNames: ['a', 'b'],
      artifact: `model-${i}`,
      sha256: 'ef'.repeat(32),
      backend: 'wasm',
    });
    await registry.setAlias(`alias-${i}`, `model-${i}`);
  }
  const ready = () => connection.status === 'ready';
  const trainingJobs = createTrainingJobs(queue, ready);
  app = buildTestApp({
    trainingJobs,
    tuningJobs: createTuningJobs({ ...tuning, trainingJobs, redisReady: ready }),
    models: { registry, store: createFileArtifactStore(join(dir, 'models')) },
  });
  await app.ready();
  for (let i = 0; i < 5; i++) await trainingJobs.create({ dataset: 'fashion-mnist' });
});

afterAll(async () => {
  await app.close();
  await Promise.all([queue.close(), tuning.queue.close(), tuning.flows.close()]);
  connection.disconnect();
  const redis = new Redis('redis://127.0.0.1:6379');
  await removePrefix(redis, prefix);
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
});

/** Follows nextCursor to the end, two items a page. */
async function walk(path: string) {
  const pages = [];
  let cursor: string | undefined;
  do {
    const query = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
    const res = await request(app.server).get(`${path}${query}`).expect(200);
    pages.push(res.body as { items: { id?: string; name?: string }[]; nextCursor?: string });
    cursor = res.body.nextCursor;
  } while (cursor && pages.length < 10);
  return pages;
}

describe('every list pages by cursor', () => {
  it.each([
    ['/v1/training-jobs', 5],
    ['/v1/models', 5],
    ['/v1/aliases', 5],
  ])('%s: full pages of 2, each item once, no cursor on the last', async (path, count) => {
    const pages = await walk(path);
    const keys = pages.flatMap((p) => p.items.map((item) => item.id ?? item.name));
    expect(keys).toHaveLength(count);
    expect(new Set(keys).size).toBe(count);
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(pages.at(-1)?.nextCursor).toBeUndefined();
  });

  it('aliases come by name', async () => {
    const names = (await walk('/v1/aliases')).flatMap((p) => p.items.map((a) => a.name));
    expect(names).toEqual(['alias-0', 'alias-1', 'alias-2', 'alias-3', 'alias-4']);
  });

  it.each(LISTS)('%s answers 400 INVALID_CURSOR to a cursor it never gave', async (path) => {
    const forged = Buffer.from('99.nope nope').toString('base64url');
    for (const cursor of ['not-a-cursor!', forged, '%00']) {
      const res = await request(app.server).get(`${path}?cursor=${cursor}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toMatch(/INVALID_CURSOR|VALIDATION_FAILED/);
      expect(res.body.error.message).toMatch(/cursor/);
    }
  });

  it.each(LISTS)(
    '%s answers 400 naming the parameter to a huge limit or an offset',
    async (path) => {
      const huge = await request(app.server).get(`${path}?limit=99999999999999999999`);
      expect(huge.status).toBe(400);
      expect(huge.body.error.message).toMatch(/limit/);
      // Offsets are gone: one paging style, and a cursor does not shift as an offset would.
      const offset = await request(app.server).get(`${path}?offset=20`);
      expect(offset.status).toBe(400);
      expect(offset.body.error.message).toMatch(/offset/);
    },
  );
});
