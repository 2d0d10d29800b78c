import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { App } from '../../src/app.js';
import { buildApp } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import type { GatePosition } from '../../src/jobs/batch-gate.js';
import type { TrainingJobView } from '../../src/jobs/job-view.js';
import { createApiServices } from '../../src/service/api-services.js';
import { gateControl } from '../support/batch-gate.js';
import { startRedisServer } from '../support/redis-server.js';

/** A dead worker's job is taken over this long after its last lock renewal. */
export const LOCK_SECONDS = 4;

export const MODEL = {
  conv: [
    { channels: 4, pool: 2 },
    { channels: 8, pool: 2 },
  ],
  dense: [{ neurons: 16 }, {}],
};

/** 2,000 training images in batches of 20: 100 batches an epoch. */
export const TRAINING = { trainSize: 2000, valSize: 200, testSize: 200, batchSize: 20, seed: 9 };

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A world of its own for chaos: a Redis (append-only) on a free port, the API in this
 * process over real HTTP, and training workers as real `tailor worker` processes that
 * can be killed, stopped and restarted.
 */
export async function startWorld() {
  const redis = await startRedisServer();
  const dir = await mkdtemp(join(tmpdir(), 'tailor-chaos-'));
  const env = {
    REDIS_URL: redis.url,
    TAILOR_QUEUE_PREFIX: 'chaos',
    TAILOR_ARTIFACT_DIR: dir,
    TAILOR_BACKEND: 'wasm',
    TAILOR_JOB_LOCK_SECONDS: String(LOCK_SECONDS),
    TAILOR_SHUTDOWN_GRACE_SECONDS: '30',
    LOG_LEVEL: 'warn',
    // Jobs wait before their first batch until a case moves their gate (see batch-gate.ts).
    TAILOR_BATCH_GATE: '1',
  };
  const config = readConfig({ ...process.env, ...env });
  const services = createApiServices(config, redis.url, 'chaos');
  const app: App = buildApp(services.deps, { logger: false });
  await app.ready();
  // The API's connection fails fast; let it connect before the first request.
  const ready = Date.now() + 10_000;
  while ((await request(app.server).get('/readyz')).body?.checks?.redis?.ok !== true) {
    if (Date.now() > ready) throw new Error('the API did not connect to Redis');
    await new Promise((r) => setTimeout(r, 100));
  }
  const workers: WorkerProcess[] = [];
  const gateRedis = new Redis(redis.url, { maxRetriesPerRequest: null });
  gateRedis.on('error', () => {}); // Redis is restarted on purpose; it reconnects
  const gates = gateControl(gateRedis, env.TAILOR_QUEUE_PREFIX);

  const world = {
    redis,
    app,
    gates,
    startWorker(): WorkerProcess {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
        (resolve) => child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      const worker = { pid: child.pid as number, child, exited };
      workers.push(worker);
      return worker;
    },
    /** Submits a job through the API, retrying while Redis is away. */
    async submit(training: Record<string, unknown>): Promise<string> {
      const res = await request(app.server)
        .post('/v1/training-jobs')
        .send({ model: MODEL, training: { ...TRAINING, ...training } })
        .expect(202);
      return res.body.id;
    },
    /** Reads a job through the API; null while the API answers 503 (Redis down). */
    async job(id: string): Promise<TrainingJobView | null> {
      const res = await request(app.server).get(`/v1/training-jobs/${id}`);
      if (res.status === 503) return null;
      if (res.status !== 200) throw new Error(`GET job ${id}: ${res.status} ${res.text}`);
      return res.body;
    },
    async until(
      id: string,
      done: (job: TrainingJobView) => boolean,
      timeoutMs = 180_000,
    ): Promise<TrainingJobView> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const job = await world.job(id);
        if (job && done(job)) return job;
        if (Date.now() > end) throw new Error(`job ${id}: ${job?.status}/${job?.state}, timed out`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    /** The job held at `at`: mid-epoch exactly where the case wants it, however fast. */
    async heldAt(id: string, at: GatePosition): Promise<TrainingJobView> {
      await gates.runTo(id, at, 180_000);
      return world.until(id, () => true);
    },
    /** The worker process whose attempt is running the job (from its `active` transition). */
    runnerOf(job: TrainingJobView): WorkerProcess {
      const active = [...job.transitions].reverse().find((t) => t.state === 'active');
      const pid = Number(/\(pid (\d+)\)/.exec(active?.reason ?? '')?.[1]);
      const worker = workers.find((w) => w.pid === pid);
      if (!worker) throw new Error(`no worker of ours runs job ${job.id} (pid ${pid})`);
      return worker;
    },
    /** Models registered in this world's Redis. */
    async modelCount(): Promise<number> {
      const res = await request(app.server).get('/v1/models?limit=100').expect(200);
      return res.body.items.length;
    },
    async stop() {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
      gateRedis.disconnect();
      await app.close();
      await services.close();
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}

export type World = Awaited<ReturnType<typeof startWorld>>;

/** Process ids whose parent is `pid` (the sandboxed training children of a worker). */
export function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Where the first attempt after `attempt` started training: its epoch and batch. */
export function resumedAt(job: TrainingJobView, attempt: number) {
  const t = job.transitions.find((x) => x.state === 'training' && (x.attempt ?? 0) > attempt);
  if (!t) throw new Error(`job ${job.id} never trained after attempt ${attempt}`);
  return {
    epoch: t.epoch ?? 0,
    batch: t.batch ?? 0,
    attempt: t.attempt ?? 0,
    at: Date.parse(t.at),
  };
}

/** The attempt running now (of the newest `active` transition). */
export function currentAttempt(job: TrainingJobView): number {
  return [...job.transitions].reverse().find((t) => t.state === 'active')?.attempt ?? 0;
}
