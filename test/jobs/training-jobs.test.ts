import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { InvalidJobError } from '../../src/jobs/training-job.js';
import { createTrainingJobs, JobsError } from '../../src/jobs/training-jobs.js';

const prefix = `test-jobs-${process.pid}-${Date.now()}`;
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let jobs: ReturnType<typeof createTrainingJobs>;

beforeAll(async () => {
  connection = apiConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix });
  jobs = createTrainingJobs(queue, () => connection.status === 'ready');
});

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
});

describe('training jobs service (no worker: jobs stay queued)', () => {
  it('creates a job with every default filled in', async () => {
    const view = await jobs.create({ dataset: 'fashion-mnist', training: { epochs: 2 } });
    expect(view).toMatchObject({
      status: 'queued',
      dataset: 'fashion-mnist',
      training: { epochs: 2, batchSize: 50, optimizer: 'adam' },
      history: [],
      error: null,
    });
    expect(view.spec.conv).toHaveLength(3);
    expect((await jobs.get(view.id)).status).toBe('queued');
  });

  it('rejects an invalid model spec naming the field', async () => {
    const attempt = jobs.create({ dataset: 'fashion-mnist', model: { conv: [{ channels: 0 }] } });
    await expect(attempt).rejects.toThrow(InvalidJobError);
    await expect(attempt).rejects.toThrow(/^model\.conv\[0\]\.channels: /);
  });

  it('answers 404 for unknown and hostile ids', async () => {
    for (const id of ['999999', '../etc/passwd', '', 'x'.repeat(65)]) {
      const attempt = jobs.get(id);
      await expect(attempt).rejects.toBeInstanceOf(JobsError);
      await expect(attempt).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    }
  });

  it('lists by status, newest first, with pagination', async () => {
    const a = await jobs.create({ dataset: 'fashion-mnist' });
    const b = await jobs.create({ dataset: 'fashion-mnist' });
    const page = await jobs.list({ status: 'queued', limit: 2 });
    expect(page.items.map((j) => j.id)).toEqual([b.id, a.id]);
    expect(page.total).toBeGreaterThanOrEqual(3);
    const next = await jobs.list({ status: 'queued', limit: 2, cursor: page.nextCursor });
    expect(next.items.length).toBeGreaterThan(0);
    expect(next.items.map((j) => j.id)).not.toContain(a.id);
    expect((await jobs.list({ status: 'failed', limit: 10 })).items).toEqual([]);
  });

  it('fails fast with 503 when Redis is unreachable', async () => {
    const down = apiConnection('redis://127.0.0.1:1');
    down.on('error', () => {});
    const deadQueue = createTrainingQueue({ connection: down, prefix });
    deadQueue.on('error', () => {});
    const started = Date.now();
    await expect(
      createTrainingJobs(deadQueue, () => down.status === 'ready').create({
        dataset: 'fashion-mnist',
      }),
    ).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
    });
    expect(Date.now() - started).toBeLessThan(3000);
    down.disconnect();
  });
});
