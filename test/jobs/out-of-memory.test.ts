import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type Job, QueueEvents, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../src/data/index.js';
import { workerConnection } from '../../src/jobs/connection.js';
import { isOutOfMemory, outOfMemoryReason } from '../../src/jobs/out-of-memory.js';
import { createTrainingQueue, TRAINING_QUEUE } from '../../src/jobs/queue.js';
import { toJobData } from '../../src/jobs/training-job.js';
import { createTrainingWorker } from '../../src/jobs/worker.js';
import { selectBackend } from '../../src/ml/backend.js';
import { RUN_NATIVE_TESTS } from '../support/native.js';
import { removePrefix } from '../support/redis-cleanup.js';

/** What `run` threw. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

/**
 * The message a tfjs backend prints when `allocate` fails in a node whose address space is
 * capped at 4 GB (`ulimit -v`), so the allocation fails for real without touching the
 * memory of the machine the test runs on.
 */
function messageUnderMemoryCap(backend: string, allocate: string): string {
  const script = `
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    if ('${backend}' === 'tensorflow') await import('@tensorflow/tfjs-node');
    await tf.setBackend('${backend}');
    try { ${allocate}; console.log(JSON.stringify('allocated')); }
    catch (err) { console.log(JSON.stringify(String(err.message))); }`;
  const child = spawnSync(
    'bash',
    ['-c', 'ulimit -v 4000000 && exec node --input-type=module -e "$SCRIPT"'],
    { env: { ...process.env, SCRIPT: script, TF_CPP_MIN_LOG_LEVEL: '3' }, encoding: 'utf8' },
  );
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as string;
}

describe('isOutOfMemory, on the errors the backends really throw', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('knows a tensor of more values than a typed array holds', () => {
    const err = thrown(() => tf.zeros([2 ** 22, 2 ** 23]));
    expect((err as Error).message).toMatch(/^Invalid typed array length/);
    expect(isOutOfMemory(err)).toBe(true);
  });

  it('knows a buffer the process cannot allocate', () => {
    const message = messageUnderMemoryCap('cpu', 'tf.zeros([65536, 65536])');
    expect(message).toBe('Array buffer allocation failed');
    expect(isOutOfMemory(new RangeError(message))).toBe(true);
  });

  it.skipIf(!RUN_NATIVE_TESTS)('knows native TensorFlow running out of memory', () => {
    const message = messageUnderMemoryCap('tensorflow', 'tf.fill([30000, 30000], 1).dataSync()');
    expect(message).toMatch(/OOM when allocating tensor with shape\[30000,30000\]/);
    expect(isOutOfMemory(new Error(message))).toBe(true);
  });

  it('leaves other failures to the retries', () => {
    const shapes = thrown(() => tf.add(tf.zeros([2, 3]), tf.zeros([4, 5])));
    expect(isOutOfMemory(shapes)).toBe(false);
    expect(isOutOfMemory(new DataFormatError('TRUNCATED', 'x.gz', 'short'))).toBe(false);
    expect(isOutOfMemory(new Error('Connection is closed.'))).toBe(false);
    expect(isOutOfMemory(new Error("OOM command not allowed when used memory > 'maxmemory'"))).toBe(
      false,
    );
  });

  it('gives a reason that says what happened and what to change', () => {
    const reason = outOfMemoryReason(new RangeError('Array buffer allocation failed'));
    expect(reason).toMatch(/^out of memory: .*\(Array buffer allocation failed\)/);
    expect(reason).toContain('smaller batchSize');
  });
});

describe('a training job that runs out of memory', () => {
  const prefix = `oom-${process.pid}-${Date.now()}`;
  let dir: string;
  let connection: Redis;
  let queue: ReturnType<typeof createTrainingQueue>;
  let events: QueueEvents;
  let worker: Worker;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tailor-oom-'));
    connection = workerConnection('redis://127.0.0.1:6379');
    queue = createTrainingQueue({ connection, prefix });
    events = new QueueEvents(TRAINING_QUEUE, { connection: connection.duplicate(), prefix });
    await events.waitUntilReady();
    worker = createTrainingWorker({
      connection: connection.duplicate(),
      prefix,
      concurrency: 1,
      env: { TAILOR_ARTIFACT_DIR: dir, TAILOR_BACKEND: 'cpu' },
    });
  });

  afterAll(async () => {
    await worker?.close();
    await events?.close();
    await queue?.obliterate({ force: true });
    await queue?.close();
    if (connection) await removePrefix(connection, prefix);
    connection?.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails at once with the reason, without the retries it is queued with', async () => {
    // Past the API's budget (it is queued directly): the first convolution's output, 100 x
    // 28 x 28 x 65536 values, is more than a typed array holds, so the allocation fails
    // at once whatever the machine's memory.
    const data = toJobData({
      model: { conv: [{ channels: 65536, filter: 1, pad: 0, pool: 28 }], dense: [{}] },
      training: { epochs: 1, batchSize: 100, trainSize: 100, valSize: 100, testSize: 100 },
    });
    const job = await queue.add('train', data, {
      attempts: 3,
      backoff: { type: 'fixed', delay: 0 },
    });
    await expect(job.waitUntilFinished(events, 120_000)).rejects.toThrow(
      /^out of memory: the model or its batch does not fit .*\(Invalid typed array length: \d+\)/,
    );
    const stored = (await queue.getJob(job.id as string)) as Job;
    expect(stored.attemptsMade).toBe(1);
    expect(await stored.getState()).toBe('failed');
  });
});
