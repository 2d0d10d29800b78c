import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelRequests } from '../../src/jobs/cancel-requests.js';
import { apiConnection, workerConnection } from '../../src/jobs/connection.js';
import { indexOfQueue } from '../../src/jobs/job-index.js';
import { TRAINING_JOB_STATUSES, type TrainingJobStatus } from '../../src/jobs/job-status.js';
import type { TrainingJobResult } from '../../src/jobs/processor.js';
import { createTrainingQueue, enqueueTraining, TRAINING_QUEUE } from '../../src/jobs/queue.js';
import { superviseTraining } from '../../src/jobs/supervisor.js';
import { type TrainingJobData, toJobData } from '../../src/jobs/training-job.js';
import { createTrainingJobs, type TrainingJobs } from '../../src/jobs/training-jobs.js';
import { removePrefix } from '../support/redis-cleanup.js';

/**
 * Job lists page by cursor over an index kept by the API and the worker's supervisor. Here
 * a real BullMQ worker under the real supervisor ends each job the way its seed says (the
 * training itself is not what is under test), so every status is present, interleaved.
 */
const prefix = `test-job-statuses-${process.pid}-${Date.now()}`;
const ENDINGS = ['completed', 'cancelled', 'timed_out', 'stopped_early', 'failed', 'active'];
let api: Redis;
let workerRedis: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let jobs: TrainingJobs;
let worker: Worker<TrainingJobData, TrainingJobResult>;
let releaseHeld: () => void;
const held = new Promise<void>((resolve) => {
  releaseHeld = resolve;
});
const created: Record<TrainingJobStatus, string[]> = Object.fromEntries(
  TRAINING_JOB_STATUSES.map((s) => [s, []]),
) as never;

/** Ends a job as its seed says: the index of ENDINGS. */
async function end(job: Job<TrainingJobData>): Promise<TrainingJobResult> {
  const ending = ENDINGS[job.data.training.seed ?? 0];
  if (ending === 'failed') throw new UnrecoverableError('the data set could not be read');
  if (ending === 'active') await held;
  return { status: ending, history: [], bestValAcc: 0.5 } as unknown as TrainingJobResult;
}

async function until(check: () => Promise<boolean>) {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The order lists promise: newest first, jobs of the same millisecond by id, descending. */
async function newestFirst(ids: readonly string[], on = queue): Promise<string[]> {
  const found = await Promise.all(ids.map((id) => on.getJob(id)));
  const at = new Map(found.map((job) => [String(job?.id), job?.timestamp ?? 0]));
  const time = (id: string) => at.get(id) ?? 0;
  return [...ids].sort((a, b) => time(b) - time(a) || (a < b ? 1 : a > b ? -1 : 0));
}

async function listAll(status: TrainingJobStatus | undefined, limit: number) {
  const pages = [];
  let cursor: string | undefined;
  do {
    const page = await jobs.list({ status, limit, cursor });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

beforeAll(async () => {
  api = apiConnection('redis://127.0.0.1:6379');
  workerRedis = workerConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => api.once('ready', resolve));
  queue = createTrainingQueue({ connection: api, prefix });
  jobs = createTrainingJobs(queue, () => api.status === 'ready', undefined, api);
  worker = new Worker(TRAINING_QUEUE, end, { connection: workerRedis, prefix, concurrency: 8 });
  const supervisorQueue = createTrainingQueue({ connection: workerRedis, prefix });
  superviseTraining({
    worker,
    queue: supervisorQueue,
    cancels: cancelRequests(workerRedis, prefix),
    log: pino({ level: 'silent' }),
  });
  // Three rounds of every ending, so each status is interleaved with all the others.
  for (let round = 0; round < 3; round++) {
    for (const [seed, ending] of ENDINGS.entries()) {
      const job = await jobs.create({ dataset: 'fashion-mnist', training: { seed } });
      created[ending as TrainingJobStatus].push(job.id);
    }
  }
  const settled = async () => {
    const views = await Promise.all(
      Object.values(created)
        .flat()
        .map((id) => jobs.get(id)),
    );
    return views.every((v) => v.status !== 'queued');
  };
  await until(settled);
  // A paused queue keeps new jobs waiting, whatever the worker has fetched already.
  await queue.pause();
  for (let i = 0; i < 3; i++) {
    created.queued.push((await jobs.create({ dataset: 'fashion-mnist' })).id);
  }
}, 60_000);

afterAll(async () => {
  releaseHeld();
  await worker.close();
  await queue.close();
  api.disconnect();
  workerRedis.disconnect();
  const redis = workerConnection('redis://127.0.0.1:6379');
  await removePrefix(redis, prefix);
  redis.disconnect();
});

describe('job lists page every status fully, newest first', () => {
  it.each(TRAINING_JOB_STATUSES)(
    'status=%s: full pages, every job once, right total',
    async (status) => {
      const pages = await listAll(status, 2);
      const ids = pages.flatMap((p) => p.items.map((j) => j.id));
      expect(ids).toEqual(await newestFirst(created[status]));
      for (const page of pages.slice(0, -1)) expect(page.items).toHaveLength(2);
      for (const page of pages) {
        expect(page.total).toBe(3);
        for (const job of page.items) expect(job.status).toBe(status);
      }
    },
  );

  it('without a status lists every job once, newest first', async () => {
    const ids = (await listAll(undefined, 5)).flatMap((p) => p.items.map((j) => j.id));
    const all = Object.values(created).flat();
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...all].sort());
    expect(ids).toEqual(await newestFirst(all));
  });

  it('a cursor does not shift when newer jobs arrive between pages', async () => {
    const order = await newestFirst(created.queued);
    const first = await jobs.list({ status: 'queued', limit: 1 });
    expect(first.items[0]?.id).toBe(order[0]);
    const newer = await jobs.create({ dataset: 'fashion-mnist' });
    const rest = (await jobs.list({ status: 'queued', limit: 10, cursor: first.nextCursor })).items;
    expect(rest.map((j) => j.id)).toEqual(order.slice(1));
    created.queued.push(newer.id);
  });

  it('finds a job that ended while its worker died before recording it', async () => {
    const index = indexOfQueue(queue);
    const [id] = created.completed;
    const job = await queue.getJob(id as string);
    // What a worker that died between BullMQ's end of the job and the index leaves behind.
    await index.move(id as string, job?.timestamp ?? 0, 'active');
    const completed = (await listAll('completed', 10)).flatMap((p) => p.items.map((j) => j.id));
    expect(completed).toContain(id);
    const active = (await listAll('active', 10)).flatMap((p) => p.items.map((j) => j.id));
    expect(active).not.toContain(id);
  });

  it('drops jobs that retention removed', async () => {
    const gone = created.failed.shift() as string;
    await (await queue.getJob(gone))?.remove();
    const failed = await listAll('failed', 10);
    const ids = failed.flatMap((p) => p.items.map((j) => j.id));
    expect(ids).toEqual(await newestFirst(created.failed));
    expect(failed[0]?.total).toBe(2);
  });

  it('refuses a cursor it did not hand out', async () => {
    for (const cursor of ['nope', 'MTIzLmFiYw==', Buffer.from('1.a b').toString('base64url')]) {
      await expect(jobs.list({ limit: 2, cursor })).rejects.toMatchObject({
        code: 'INVALID_CURSOR',
      });
    }
  });
});

describe('jobs queued before the index existed', () => {
  it('are indexed on the first list', async () => {
    const oldPrefix = `${prefix}-upgrade`;
    const oldQueue = createTrainingQueue({ connection: api, prefix: oldPrefix });
    const data = toJobData({ dataset: 'fashion-mnist' });
    const before = [];
    for (let i = 0; i < 3; i++) before.push(String((await enqueueTraining(oldQueue, data)).id));
    const upgraded = createTrainingJobs(oldQueue, () => api.status === 'ready');
    const page = await upgraded.list({ limit: 10 });
    expect(page.items.map((j) => j.id)).toEqual(await newestFirst(before, oldQueue));
    expect((await upgraded.list({ status: 'queued', limit: 10 })).total).toBe(3);
    await oldQueue.close();
    await removePrefix(api, oldPrefix);
  });
});
