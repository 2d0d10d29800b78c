import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { workerConnection } from '../../src/jobs/connection.js';
import type { TrainingJobView } from '../../src/jobs/job-view.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs, type TrainingJobs } from '../../src/jobs/training-jobs.js';
import { startTrainingWorker } from '../../src/service/worker-process.js';
import { buildTestApp } from '../api/helper.js';
import { type GateControl, gateControl } from '../support/batch-gate.js';
import { removePrefix } from '../support/redis-cleanup.js';

const prefix = `lifecycle-${process.pid}-${Date.now()}`;
let dir: string;
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let jobs: TrainingJobs;
let app: App;
let gates: GateControl;
const quiet = pino({ level: 'silent' });

const config = () =>
  readConfig({
    TAILOR_ARTIFACT_DIR: dir,
    TAILOR_BACKEND: 'wasm',
    TAILOR_QUEUE_PREFIX: prefix,
    TAILOR_JOB_LOCK_SECONDS: '4',
    TAILOR_SHUTDOWN_GRACE_SECONDS: '20',
    // Every job waits before its first batch until the test moves its gate.
    TAILOR_BATCH_GATE: '1',
  });
const startWorker = () => startTrainingWorker(config(), 'redis://127.0.0.1:6379', quiet);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailor-lifecycle-'));
  connection = workerConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix });
  jobs = createTrainingJobs(queue, () => connection.status === 'ready', undefined, connection);
  gates = gateControl(connection, prefix);
  app = buildTestApp({ trainingJobs: jobs });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await queue?.obliterate({ force: true });
  await queue?.close();
  await removePrefix(connection, prefix);
  connection?.disconnect();
  await rm(dir, { recursive: true, force: true });
});

const MODEL = {
  conv: [
    { channels: 4, pool: 2 },
    { channels: 8, pool: 2 },
  ],
  dense: [{ neurons: 16 }, {}],
};

function submit(training: Record<string, unknown>) {
  return jobs.create({
    model: MODEL,
    training: { trainSize: 1000, valSize: 200, testSize: 200, seed: 3, ...training },
  });
}

async function waitFor(
  id: string,
  done: (job: TrainingJobView) => boolean,
  timeoutMs = 120_000,
): Promise<TrainingJobView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await jobs.get(id);
    if (done(job)) return job;
    if (Date.now() > until) throw new Error(`job ${id} is still ${job.status}/${job.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Event = [string, Record<string, unknown>];

/** A stream's complete events as [name, data] pairs. */
function parseEvents(text: string): Event[] {
  return text
    .split('\n\n')
    .slice(0, -1)
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [event, data] = block.split('\n');
      return [event?.slice(7) ?? '', JSON.parse(data?.slice(6) ?? 'null')];
    });
}

/** Reads a job's event stream as it arrives; `until` waits for a matching `job` event. */
function watchEvents(id: string) {
  let text = '';
  let onChunk = () => {};
  const done = request(app.server)
    .get(`/v1/training-jobs/${id}/events`)
    .buffer(true)
    .parse((r, callback) => {
      r.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        onChunk();
      });
      r.on('end', () => callback(null, text));
    })
    .expect(200)
    .expect('content-type', /text\/event-stream/)
    .then(() => parseEvents(`${text}\n\n`));
  const jobs = () =>
    parseEvents(text)
      .filter(([name]) => name === 'job')
      .map(([, j]) => j);
  return {
    done,
    until(match: (job: Record<string, unknown>) => boolean): Promise<void> {
      return new Promise((resolve) => {
        onChunk = () => {
          if (jobs().some(match)) resolve();
        };
        onChunk();
      });
    },
  };
}

const batchOf = (job: Record<string, unknown>) =>
  (job.progress as { batch?: number } | null)?.batch ?? 0;

describe('a training job through its lifecycle, with a real worker', () => {
  it('streams its progress as server-sent events and records every state it entered', async () => {
    const worker = startWorker();
    try {
      const { id } = await submit({ epochs: 2 });
      const stream = watchEvents(id);
      // The job stops at batch 3, then at batch 7, and the stream must show each stop.
      for (const batch of [3, 7]) {
        await gates.runTo(id, { epoch: 1, batch });
        await stream.until((job) => batchOf(job) === batch);
      }
      await gates.release(id);
      const events = await stream.done;
      expect(events.at(-1)).toEqual(['end', { status: 'completed' }]);
      const updates = events.filter(([name]) => name === 'job').map(([, job]) => job);
      // Progress advanced while it ran: batches inside the first epoch, then both epochs.
      const batches = updates.map(batchOf);
      expect(batches).toContain(3);
      expect(batches).toContain(7);
      expect(batches.indexOf(3)).toBeLessThan(batches.indexOf(7));
      expect(updates.at(-1)).toMatchObject({ status: 'completed', state: 'completed' });

      const job = await jobs.get(id);
      expect(job.transitions.map((t) => t.state)).toEqual([
        'queued',
        'active',
        'training',
        'checkpointing',
        'training',
        'checkpointing',
        'evaluating',
        'completed',
      ]);
      const times = job.transitions.map((t) => Date.parse(t.at));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(job.transitions[1]?.reason).toMatch(/^attempt 1 on .+ \(pid \d+\)$/);
      expect(job.transitions[3]?.reason).toMatch(/^epoch 1 done: val_acc 0\.\d{4}$/);
      expect(job.transitions.at(-1)?.reason).toBe(`model ${id} registered`);
    } finally {
      await worker.close();
    }
  });

  it('cancels a queued job at once; a worker that takes it ends it without training', async () => {
    const { id } = await submit({ epochs: 2 });
    const res = await request(app.server).post(`/v1/training-jobs/${id}/cancel`).expect(202);
    expect(res.body).toMatchObject({ status: 'cancelled', state: 'cancelled' });
    expect(res.body.transitions.at(-1).reason).toBe('cancelled before it started, by anonymous');
    const worker = startWorker();
    try {
      const ended = await waitFor(id, (j) => j.finishedAt !== null);
      expect(ended.status).toBe('cancelled');
      expect(ended.history).toEqual([]);
      expect(ended.modelId).toBeNull();
      expect(ended.transitions.map((t) => t.state)).toEqual(['queued', 'cancelled']);
    } finally {
      await worker.close();
    }
    // Asking again is harmless: the same cancelled job.
    const again = await request(app.server).post(`/v1/training-jobs/${id}/cancel`).expect(202);
    expect(again.body.status).toBe('cancelled');
  });

  it('stops a running job on cancel; it keeps its checkpoints and ends as cancelled', async () => {
    const worker = startWorker();
    try {
      const { id } = await submit({ epochs: 50 });
      // Held after its first epoch: cancelled there, it has done exactly one.
      await gates.runTo(id, { epoch: 2, batch: 4 });
      await request(app.server).post(`/v1/training-jobs/${id}/cancel`).expect(202);
      const ended = await waitFor(id, (j) => j.finishedAt !== null);
      expect(ended.status).toBe('cancelled');
      expect(ended.history).toHaveLength(1);
      expect(ended.progress).toMatchObject({ epoch: 2, batch: 4 });
      expect(ended.transitions.at(-1)?.state).toBe('cancelled');
      expect(ended.cancelRequestedAt).not.toBeNull();
      const [own] = (await readdir(join(dir, 'checkpoints'))).filter((d) => d.startsWith(`${id}-`));
      expect(await readdir(join(dir, 'checkpoints', own as string))).toContain('latest.json');
      const finished = await request(app.server).post('/v1/training-jobs/nope/cancel');
      expect(finished.status).toBe(404);
    } finally {
      await worker.close();
    }
  });

  it('stops early when val_acc stalls and says so; the model of its best epoch is registered', async () => {
    const worker = startWorker();
    try {
      // A rise of more than 1 in accuracy is impossible: the second epoch stalls.
      const { id } = await submit({ epochs: 5, earlyStopping: { patience: 1, minDelta: 1 } });
      await gates.release(id);
      const job = await waitFor(id, (j) => j.status !== 'queued' && j.status !== 'active');
      expect(job.status).toBe('completed');
      expect(job.history.map((h) => h.epoch)).toEqual([1, 2]);
      const stopped = job.transitions.find((t) => /stopped early/.test(t.reason));
      expect(stopped?.reason).toMatch(
        /^stopped early after epoch 2 of 5: val_acc has not risen by more than 1 for 1 epochs since epoch 1/,
      );
      expect(job.modelId).toBe(id);
      expect(job.test?.accuracy).toBeGreaterThan(0);
    } finally {
      await worker.close();
    }
  });

  it('ends a job that runs past maxRunSeconds as timed out', async () => {
    const worker = startWorker();
    try {
      // Never let past its first batch: only the time limit can end it.
      const { id } = await submit({ epochs: 50, maxRunSeconds: 6 });
      const ended = await waitFor(id, (j) => j.finishedAt !== null);
      expect(ended.status).toBe('timed_out');
      expect(ended.transitions.at(-1)?.reason).toMatch(/limit of 6 s/);
      const res = await request(app.server).post(`/v1/training-jobs/${id}/cancel`).expect(409);
      expect(res.body.error.code).toBe('JOB_FINISHED');
    } finally {
      await worker.close();
    }
  });

  it('hands a running job back on shutdown; the next worker resumes after the same batch', async () => {
    const first = startWorker();
    const { id } = await submit({ epochs: 2, batchSize: 25 });
    await gates.runTo(id, { epoch: 1, batch: 5 });
    await first.close();
    const handed = await jobs.get(id);
    expect(handed.status).toBe('queued');
    const back = handed.transitions.at(-1);
    expect(back?.state).toBe('queued');
    expect(back?.reason).toMatch(/handed back: its worker is shutting down/);
    expect(back).toMatchObject({ epoch: 1, batch: 5 });
    await gates.release(id);
    const second = startWorker();
    try {
      const ended = await waitFor(id, (j) => j.finishedAt !== null);
      expect(ended.status).toBe('completed');
      const resumed = ended.transitions.find(
        (t) => t.state === 'training' && (t.attempt ?? 0) > (back?.attempt ?? 0),
      );
      // Zero batches lost: training picks up exactly where the first worker stopped.
      expect(resumed).toMatchObject({ epoch: 1, batch: 5 });
      expect(ended.history).toHaveLength(2);
    } finally {
      await second.close();
    }
  });
});
