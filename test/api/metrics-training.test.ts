import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { type ApiServices, createApiServices } from '../../src/service/api-services.js';
import { startTrainingWorker } from '../../src/service/worker-process.js';
import { type GateControl, gateControl } from '../support/batch-gate.js';
import { removePrefix } from '../support/redis-cleanup.js';
import { parseExposition, type Sample, sampleValue } from './metrics-text.js';

const prefix = `test-metrics-train-${process.pid}`;
let dir: string;
let services: ApiServices;
let worker: ReturnType<typeof startTrainingWorker>;
let app: App;
let redis: Redis;
let gates: GateControl;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailor-metrics-train-'));
  const config = readConfig({
    TAILOR_ARTIFACT_DIR: dir,
    TAILOR_DATA_DIR: join(dir, 'data'),
    TAILOR_QUEUE_PREFIX: prefix,
    TAILOR_BACKEND: 'wasm',
    // Jobs wait before their first batch until the test moves their gate.
    TAILOR_BATCH_GATE: '1',
  });
  redis = new Redis('redis://127.0.0.1:6379');
  gates = gateControl(redis, prefix);
  services = createApiServices(config, 'redis://127.0.0.1:6379', 'test');
  app = buildApp(services.deps, { logger: false });
  await app.ready();
  // A worker in this process, training in its own child process as in production.
  worker = startTrainingWorker(config, 'redis://127.0.0.1:6379', pino({ level: 'silent' }));
  const deadline = Date.now() + 10_000;
  while ((await request(app.server).get('/readyz')).status !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await worker?.close();
  await app?.close();
  await services?.close();
  await removePrefix(redis, prefix);
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
});

async function scrape(): Promise<Sample[]> {
  const res = await request(app.server).get('/metrics').expect(200);
  return parseExposition(res.text);
}

describe("a running job's progress in /metrics", () => {
  it('shows epoch, throughput, loss and accuracy while it runs, and nothing once done', async () => {
    const created = await request(app.server)
      .post('/v1/training-jobs')
      .send({
        model: { conv: [{ channels: 4, pool: 2 }], dense: [{ neurons: 16 }, {}] },
        training: { epochs: 2, batchSize: 50, trainSize: 500, valSize: 100, testSize: 100 },
      })
      .expect(202);
    const job = { job: created.body.id as string };
    await gates.runTo(job.job, { epoch: 1, batch: 4 });

    const running = await scrape();
    expect(sampleValue(running, 'tailor_queue_jobs', { queue: 'training', state: 'active' })).toBe(
      1,
    );
    expect(sampleValue(running, 'tailor_training_epoch', job)).toBe(1);
    expect(sampleValue(running, 'tailor_training_epochs', job)).toBe(2);
    expect(sampleValue(running, 'tailor_training_images_per_second', job)).toBeGreaterThan(0);
    expect(sampleValue(running, 'tailor_training_loss', job)).toBeGreaterThan(0);
    const accuracy = sampleValue(running, 'tailor_training_accuracy', job) ?? -1;
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);

    await gates.release(job.job);
    const deadline = Date.now() + 120_000;
    let status = 'active';
    while (!['completed', 'failed'].includes(status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await request(app.server).get(created.body.links.self).expect(200)).body.status;
    }
    expect(status).toBe('completed');
    const done = await scrape();
    expect(sampleValue(done, 'tailor_training_epoch', job)).toBeUndefined();
    expect(sampleValue(done, 'tailor_queue_jobs', { queue: 'training', state: 'completed' })).toBe(
      1,
    );
  }, 180_000);
});
