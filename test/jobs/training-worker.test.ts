import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Job, QueueEvents, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { workerConnection } from '../../src/jobs/connection.js';
import { jobKey } from '../../src/jobs/job-identity.js';
import type { TrainingProgress } from '../../src/jobs/progress.js';
import { createTrainingQueue, enqueueTraining, TRAINING_QUEUE } from '../../src/jobs/queue.js';
import { toJobData } from '../../src/jobs/training-job.js';
import { createTrainingWorker } from '../../src/jobs/worker.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { createStores } from '../../src/store/stores.js';
import { RUN_NATIVE_TESTS } from '../support/native.js';
import { removePrefix } from '../support/redis-cleanup.js';

const prefix = `tw-${process.pid}-${Date.now()}`;
let dir: string;
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let events: QueueEvents;
let worker: Worker;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailor-jobs-'));
  connection = workerConnection('redis://127.0.0.1:6379');
  queue = createTrainingQueue({ connection, prefix });
  events = new QueueEvents(TRAINING_QUEUE, { connection: connection.duplicate(), prefix });
  await events.waitUntilReady();
  worker = createTrainingWorker({
    connection: connection.duplicate(),
    prefix,
    concurrency: 1,
    env: { TAILOR_ARTIFACT_DIR: dir, TAILOR_BACKEND: 'wasm' },
  });
});

afterAll(async () => {
  await worker?.close();
  await events?.close();
  await queue?.obliterate({ force: true });
  await queue?.close();
  await removePrefix(connection, prefix);
  connection?.disconnect();
  await rm(dir, { recursive: true, force: true });
});

const small = {
  dataset: 'fashion-mnist',
  model: {
    conv: [
      { channels: 4, pool: 2 },
      { channels: 8, pool: 2 },
    ],
    dense: [{ neurons: 32 }, {}],
  },
  training: { epochs: 2, trainSize: 500, valSize: 200, testSize: 200, seed: 1 },
};

describe('training jobs on BullMQ with a sandboxed processor', () => {
  it('go from queued to completed, report progress, keep checkpoints and evaluate', async () => {
    const seen: TrainingProgress[] = [];
    events.on('progress', ({ data }) => seen.push(data as unknown as TrainingProgress));
    const job = await enqueueTraining(queue, toJobData(small));
    expect(await job.getState()).toMatch(/waiting|active/);
    const result = await job.waitUntilFinished(events, 120_000);
    expect(result.status).toBe('completed');
    expect(result.history).toHaveLength(2);
    expect(result.test.count).toBe(200);
    expect(result.backend).toBe('wasm');
    const stored = (await queue.getJob(job.id as string)) as Job;
    expect(await stored.getState()).toBe('completed');
    expect((stored.progress as TrainingProgress).history).toHaveLength(2);
    // Progress advanced through batches and both epochs.
    expect(seen.some((p) => p.stage === 'training' && (p.batch ?? 0) > 0)).toBe(true);
    expect(seen.at(-1)?.history.length).toBe(2);
    const stores = createStores(readConfig({ TAILOR_ARTIFACT_DIR: dir }));
    // The resource names its best checkpoint; no path of the worker's disk leaves it.
    expect(result).not.toHaveProperty('checkpointDir');
    expect(result.bestCheckpoint).toMatch(/^epoch-0[12]-val_acc-0\.\d{4}$/);
    const resumable = await stores.checkpoints(jobKey(stored)).loadResume();
    expect(resumable?.state.epoch).toBe(2);
    // The best checkpoint became a model version named after the job, its files verified.
    expect(result.modelId).toBe(job.id);
    const registry = createModelRegistry({ redis: connection, prefix });
    const model = await registry.get(job.id as string);
    expect(model.metrics.best_val_acc).toBe(result.bestValAcc);
    expect(model.metrics.test_acc).toBe(result.test?.accuracy);
    expect(
      (await stores.artifacts.read(model.artifact, { sha256: model.sha256 })).files['weights.bin'],
    ).toBeDefined();
  });

  it('fails invalid job data at once, without retries', async () => {
    const job = await queue.add(
      'train',
      {
        dataset: 'fashion-mnist',
        spec: { conv: 'x' },
        training: { epochs: 1, batchSize: 50, optimizer: 'adam' },
      } as never,
      { attempts: 3 },
    );
    await expect(job.waitUntilFinished(events, 60_000)).rejects.toThrow(
      /invalid model spec in job data/,
    );
    const stored = (await queue.getJob(job.id as string)) as Job;
    expect(stored.attemptsMade).toBe(1);
  });
});

describe.skipIf(!RUN_NATIVE_TESTS)('training jobs on native TensorFlow', () => {
  const nativePrefix = `${prefix}-native`;
  let nativeQueue: ReturnType<typeof createTrainingQueue>;
  let nativeEvents: QueueEvents;
  let nativeWorker: Worker;

  beforeAll(async () => {
    nativeQueue = createTrainingQueue({ connection, prefix: nativePrefix });
    nativeEvents = new QueueEvents(TRAINING_QUEUE, {
      connection: connection.duplicate(),
      prefix: nativePrefix,
    });
    await nativeEvents.waitUntilReady();
    nativeWorker = createTrainingWorker({
      connection: connection.duplicate(),
      prefix: nativePrefix,
      concurrency: 1,
      env: { TAILOR_ARTIFACT_DIR: dir, TAILOR_BACKEND: 'tensorflow' },
    });
  });

  afterAll(async () => {
    await nativeWorker?.close();
    await nativeEvents?.close();
    await nativeQueue?.obliterate({ force: true });
    await nativeQueue?.close();
    await removePrefix(connection, nativePrefix);
  });

  it('run the compiled training step by default, and say so in their progress', async () => {
    const spec = { ...small, training: { ...small.training, seed: 2 } };
    const job = await enqueueTraining(nativeQueue, toJobData(spec));
    const result = await job.waitUntilFinished(nativeEvents, 120_000);
    expect(result.status).toBe('completed');
    expect(result.backend).toBe('tensorflow');
    expect(result.step).toBe('compiled');
    const stored = (await nativeQueue.getJob(job.id as string)) as Job;
    const progress = stored.progress as TrainingProgress;
    expect(progress).toMatchObject({ backend: 'tensorflow', step: 'compiled' });
    // It learned: well above chance (0.1) after two short epochs, and its model serves.
    expect(result.history[1].val_acc).toBeGreaterThan(0.4);
    expect(result.test.accuracy).toBeGreaterThan(0.4);
    expect(result.modelId).toBe(job.id);
  });
});
