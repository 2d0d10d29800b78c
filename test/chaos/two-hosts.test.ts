import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingJobView } from '../../src/jobs/job-view.js';
import { gateControl } from '../support/batch-gate.js';
import { csvText, firstRealImages } from '../support/dataset-files.js';
import { freePort, startRedisServer } from '../support/redis-server.js';
import { type S3Server, startS3Server } from '../support/s3-server.js';
import { currentAttempt, resumedAt } from './harness.js';

/**
 * Hosts that share only Redis and S3: an API and two workers, each a real `tailor` process
 * with data and artifact directories of its own, empty at start. A data set uploaded to
 * the API trains on a worker that never saw the upload; that worker is killed mid-epoch;
 * the other resumes the job from the checkpoint in S3; the API serves the model it made.
 */
const PREFIX = 'hosts';
const MODEL = {
  conv: [
    { channels: 4, pool: 2 },
    { channels: 8, pool: 2 },
  ],
  dense: [{ neurons: 16 }, {}],
};
// 300 uploaded training images, 5 per class held out for the test: 250 to train, 13 batches.
const TRAINING = { epochs: 2, batchSize: 20, testPerClass: 5, seed: 9 };

interface Host {
  name: string;
  dataDir: string;
  artifactDir: string;
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | null>;
}

let redis: Awaited<ReturnType<typeof startRedisServer>>;
let s3: S3Server;
let gateRedis: Redis;
let api: string;
const hosts: Host[] = [];

async function startHost(name: string, command: 'serve' | 'worker', env: Record<string, string>) {
  const root = await mkdtemp(join(tmpdir(), `tailor-host-${name}-`));
  const host = { name, dataDir: join(root, 'data'), artifactDir: join(root, 'artifacts') };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', command], {
    env: {
      ...process.env,
      ...s3.env(PREFIX),
      ...env,
      REDIS_URL: redis.url,
      TAILOR_QUEUE_PREFIX: PREFIX,
      TAILOR_DATA_DIR: host.dataDir,
      TAILOR_ARTIFACT_DIR: host.artifactDir,
      TAILOR_BACKEND: 'wasm',
      TAILOR_JOB_LOCK_SECONDS: '4',
      TAILOR_BATCH_GATE: '1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const started = { ...host, child, exited };
  hosts.push(started);
  return started;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const job = async (id: string) =>
  (await request(api).get(`/v1/training-jobs/${id}`).expect(200)).body as TrainingJobView;
const entries = (dir: string) => readdir(dir).catch(() => [] as string[]);

beforeAll(async () => {
  [redis, s3] = await Promise.all([startRedisServer(), startS3Server()]);
  gateRedis = new Redis(redis.url, { maxRetriesPerRequest: null });
  const port = await freePort();
  await startHost('api', 'serve', { HOST: '127.0.0.1', PORT: String(port) });
  await Promise.all([startHost('worker-a', 'worker', {}), startHost('worker-b', 'worker', {})]);
  api = `http://127.0.0.1:${port}`;
  await until('the API and both workers', async () => {
    const res = await request(api).get('/readyz');
    return /^2 training worker/.test(res.body?.checks?.trainingWorkers?.detail ?? '') || undefined;
  });
});

afterAll(async () => {
  for (const host of hosts) if (host.child.exitCode === null) host.child.kill('SIGKILL');
  await Promise.all(hosts.map((h) => h.exited));
  gateRedis?.disconnect();
  await Promise.all([redis?.stop(), s3?.stop()]);
  for (const host of hosts) await rm(join(host.dataDir, '..'), { recursive: true, force: true });
});

describe('two hosts sharing only Redis and S3', () => {
  it('train an upload, survive kill -9 mid-epoch by resuming from S3, and serve the model', async () => {
    const { train, test } = await firstRealImages(300, 100);
    const upload = await request(api)
      .post('/v1/datasets')
      .field('name', 'shared')
      .attach('train', Buffer.from(csvText(train)), 'train.csv')
      .attach('test', Buffer.from(csvText(test)), 'test.csv')
      .expect(201);
    const dataset = upload.body.id as string;

    const created = await request(api)
      .post('/v1/training-jobs')
      .send({ dataset, model: MODEL, training: TRAINING })
      .expect(202);
    const id = created.body.id as string;
    const gates = gateControl(gateRedis, PREFIX);
    // Epoch 1 is checkpointed to S3; the job is held inside epoch 2.
    await gates.runTo(id, { epoch: 2, batch: 5 }, 120_000);
    const running = await job(id);
    const attempt = currentAttempt(running);
    const victim = runnerOf(running);
    const survivor = hosts.find((h) => h.name.startsWith('worker') && h !== victim) as Host;
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    await gates.release(id);

    const done = await until('the job to finish', async () => {
      const view = await job(id);
      return view.finishedAt !== null ? view : undefined;
    });
    expect(done.status).toBe('completed');
    // Resumed from the end of epoch 1, which only S3 held for the other host.
    expect(resumedAt(done, attempt)).toMatchObject({ epoch: 2, batch: 0 });
    expect(done.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(done.bestCheckpoint).toMatch(/^epoch-0[12]-val_acc-0\.\d{4}$/);
    expect(done).not.toHaveProperty('checkpointDir');
    const models = (await request(api).get('/v1/models').expect(200)).body.items;
    expect(models.map((m: { id: string }) => m.id)).toEqual([done.modelId]);

    const pixels = Array.from(test.images.subarray(0, 28 * 28));
    const predicted = await request(api)
      .post(`/v1/models/${done.modelId}/predict`)
      .send({ instances: [pixels] })
      .expect(200);
    expect(predicted.body.predictions).toHaveLength(1);

    // Nothing of it on any host's disk: the survivor read the upload from S3 into its cache,
    // and no host keeps models or checkpoints of its own.
    const [apiHost] = hosts;
    for (const host of hosts) expect(await entries(host.artifactDir)).toEqual([]);
    expect(await entries(join(survivor.dataDir, 'datasets'))).toEqual([]);
    expect(await entries(survivor.dataDir)).toContain('s3-cache');
    expect(await entries(join(apiHost?.dataDir ?? '', 'datasets'))).toEqual([]);
  });
});

function runnerOf(view: TrainingJobView): Host {
  const active = [...view.transitions].reverse().find((t) => t.state === 'active');
  const pid = Number(/\(pid (\d+)\)/.exec(active?.reason ?? '')?.[1]);
  const host = hosts.find((h) => h.child.pid === pid);
  if (!host) throw new Error(`no host of ours runs job ${view.id} (pid ${pid})`);
  return host;
}
