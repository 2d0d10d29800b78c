import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { workerConnection } from '../../src/jobs/connection.js';
import type { TrainingJobView } from '../../src/jobs/job-view.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs, type TrainingJobs } from '../../src/jobs/training-jobs.js';
import { startTrainingWorker } from '../../src/service/worker-process.js';
import { createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { startRedisServer } from '../support/redis-server.js';

// A Redis of this file's own, which it empties as a fresh install or a flush would.
let redis: Awaited<ReturnType<typeof startRedisServer>>;
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let jobs: TrainingJobs;
let worker: ReturnType<typeof startTrainingWorker>;
let dir: string;

beforeAll(async () => {
  redis = await startRedisServer();
  dir = await mkdtemp(join(tmpdir(), 'tailor-identity-'));
  connection = workerConnection(redis.url);
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix: 'tailor' });
  jobs = createTrainingJobs(queue, () => connection.status === 'ready', undefined, connection);
  const config = readConfig({ TAILOR_ARTIFACT_DIR: dir, TAILOR_BACKEND: 'wasm' });
  worker = startTrainingWorker(config, redis.url, pino({ level: 'silent' }));
});

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  connection?.disconnect();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const conv = (channels: number) => ({
  conv: [{ channels, pool: 2 }],
  dense: [{ neurons: 16 }, {}],
});

async function train(model: object, training: Record<string, unknown>): Promise<TrainingJobView> {
  const { id } = await jobs.create({
    model,
    training: { trainSize: 500, valSize: 100, testSize: 100, epochs: 1, ...training },
  });
  const until = Date.now() + 120_000;
  for (;;) {
    const job = await jobs.get(id);
    if (job.finishedAt !== null) return job;
    if (Date.now() > until) throw new Error(`job ${id} is still ${job.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('after Redis lost its data', () => {
  it("a new job with an old job's id trains from scratch and registers its own weights", async () => {
    const first = await train(conv(4), { seed: 3 });
    expect(first.status).toBe('completed');
    const registry = createModelRegistry({ redis: connection, prefix: 'tailor' });
    const store = createFileArtifactStore(join(dir, 'models'));
    const firstModel = await registry.get(first.modelId as string);

    await connection.flushall();
    const second = await train(conv(4), { seed: 4, learningRate: 0.01 });
    expect(second.id).toBe(first.id);
    expect(second.status).toBe('completed');
    expect(second.history).not.toEqual(first.history);
    const secondModel = await registry.get(second.modelId as string);
    expect(secondModel.sha256).not.toBe(firstModel.sha256);
    expect(secondModel.artifact).not.toBe(firstModel.artifact);

    // Another architecture under the same id again: trained, not failed on a shape mismatch.
    await connection.flushall();
    const third = await train(conv(6), { seed: 5 });
    expect(third.id).toBe(first.id);
    expect(third.status).toBe('completed');
    const thirdModel = await registry.get(third.modelId as string);
    const { artifacts } = await store.open(thirdModel.artifact, { sha256: thirdModel.sha256 });
    expect(artifacts.weightSpecs[0]?.shape).toEqual([3, 3, 1, 6]);
  });
});
