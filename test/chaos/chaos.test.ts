import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alive,
  childrenOf,
  currentAttempt,
  resumedAt,
  startWorld,
  TRAINING,
  type WorkerProcess,
  type World,
} from './harness.js';

/**
 * The chaos suite: real worker processes killed, stopped and starved of Redis while they
 * train. Each case prints its figures; `npm run chaos` runs it alone.
 */
const BATCHES = TRAINING.trainSize / TRAINING.batchSize;
const figures: string[] = [];
let world: World;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  world = await startWorld();
  workers = [world.startWorker(), world.startWorker()];
});

afterAll(async () => {
  await world?.stop();
  console.log(`chaos figures (${BATCHES} batches an epoch):\n  ${figures.join('\n  ')}`);
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
async function waitUntil(check: () => boolean, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('chaos', () => {
  it('kill -9 of a worker mid-epoch: the job completes with at most one epoch repeated', async () => {
    const id = await world.submit({ epochs: 3 });
    const at = { epoch: 2, batch: 40 };
    const running = await world.heldAt(id, at);
    const victim = world.runnerOf(running);
    const attempt = currentAttempt(running);
    const children = childrenOf(victim.pid);
    const killed = Date.now();
    process.kill(victim.pid, 'SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    // Its sandboxed child notices the lost parent and exits instead of training on.
    expect(children.length).toBeGreaterThan(0);
    await waitUntil(() => children.every((pid) => !alive(pid)), 10_000);
    workers = workers.filter((w) => w !== victim);
    workers.push(world.startWorker());
    await world.gates.release(id);

    const done = await world.until(id, (j) => j.finishedAt !== null);
    expect(done.status).toBe('completed');
    const resumed = resumedAt(done, attempt);
    // It resumes from its last epoch checkpoint: the batches of epoch 2 are done again.
    expect(resumed).toMatchObject({ epoch: 2, batch: 0 });
    const repeated = (at.epoch - resumed.epoch) * BATCHES + (at.batch - resumed.batch);
    expect(done.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(await world.modelCount()).toBe(1);
    figures.push(
      `kill -9: killed at epoch ${at.epoch} batch ${at.batch}, resumed at epoch ${resumed.epoch} batch ${resumed.batch} ` +
        `${seconds(resumed.at - killed)} later; ${repeated} batches repeated (${(repeated / BATCHES).toFixed(2)} epoch); ` +
        `completed, test acc ${done.test?.accuracy.toFixed(3)}, 1 model`,
    );
  });

  it('kill -9 of the training child alone: the attempt fails and is retried from its checkpoint', async () => {
    const id = await world.submit({ epochs: 2 });
    const at = { epoch: 2, batch: 30 };
    const running = await world.heldAt(id, at);
    const runner = world.runnerOf(running);
    const attempt = currentAttempt(running);
    const [child] = childrenOf(runner.pid);
    expect(child).toBeDefined();
    process.kill(child as number, 'SIGKILL');
    await world.gates.release(id);
    const done = await world.until(id, (j) => j.finishedAt !== null);
    expect(done.status).toBe('completed');
    const retry = done.transitions.find((t) => t.reason.startsWith(`attempt ${attempt} failed`));
    expect(retry?.state).toBe('queued');
    const resumed = resumedAt(done, attempt);
    expect(resumed).toMatchObject({ epoch: 2, batch: 0 });
    const repeated = (at.epoch - resumed.epoch) * BATCHES + (at.batch - resumed.batch);
    expect(runner.child.exitCode).toBeNull(); // the worker itself lived on
    figures.push(
      `kill -9 of the training child: retried (${retry?.reason.replace(/^.*\((.*)\).*$/, '$1')}), ` +
        `resumed at epoch ${resumed.epoch} batch ${resumed.batch}; ${repeated} batches repeated; completed`,
    );
  });

  it('SIGTERM: the worker checkpoints and hands the job back; zero epochs lost', async () => {
    const id = await world.submit({ epochs: 3 });
    const running = await world.heldAt(id, { epoch: 1, batch: 40 });
    const victim = world.runnerOf(running);
    const attempt = currentAttempt(running);
    const sent = Date.now();
    process.kill(victim.pid, 'SIGTERM');
    const exit = await victim.exited;
    const exitedAfter = Date.now() - sent;
    expect(exit.code).toBe(0);
    workers = workers.filter((w) => w !== victim);
    workers.push(world.startWorker());
    await world.gates.release(id);

    const done = await world.until(id, (j) => j.finishedAt !== null);
    expect(done.status).toBe('completed');
    const handed = done.transitions.find((t) => t.reason.startsWith('handed back'));
    const resumed = resumedAt(done, attempt);
    expect(handed).toBeDefined();
    const lost =
      (handed?.epoch ?? 0) * BATCHES +
      (handed?.batch ?? 0) -
      (resumed.epoch * BATCHES + resumed.batch);
    expect(lost).toBe(0);
    expect(handed).toMatchObject({ epoch: 1, batch: 40 });
    expect(done.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    figures.push(
      `SIGTERM: handed back at epoch ${handed?.epoch} batch ${handed?.batch}, worker exited (code 0) in ${seconds(exitedAfter)}, ` +
        `resumed at epoch ${resumed.epoch} batch ${resumed.batch} ${seconds(resumed.at - sent)} after the signal; ` +
        `${lost} batches lost; completed`,
    );
  });

  for (const downMs of [1_000, 10_000]) {
    it(`Redis killed and restarted from its AOF (${downMs / 1000} s down) mid-training: the job completes`, async () => {
      const pids = workers.map((w) => w.pid);
      const id = await world.submit({ epochs: 3 });
      const running = await world.heldAt(id, { epoch: 1, batch: 30 });
      const attempt = currentAttempt(running);
      // Let go just before Redis dies: the job trains on into the outage.
      await world.gates.release(id);
      const started = Date.now();
      await world.redis.restart(downMs);
      const done = await world.until(id, (j) => j.finishedAt !== null);
      expect(done.status).toBe('completed');
      expect(done.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
      // The same workers carried on: none was restarted, none died.
      expect(workers.map((w) => w.pid)).toEqual(pids);
      expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
      const attempts = currentAttempt(done) - attempt + 1;
      figures.push(
        `Redis down ${seconds(downMs)} (SIGKILL, AOF fsync always): completed ${seconds(Date.now() - started)} after the outage began, ` +
          `in ${attempts} attempt(s), test acc ${done.test?.accuracy.toFixed(3)}; workers not restarted`,
      );
    });
  }

  it('cancel: a running job stops within 5 s and ends as cancelled', async () => {
    const id = await world.submit({ epochs: 20 });
    await world.heldAt(id, { epoch: 1, batch: 10 });
    const asked = Date.now();
    await request(world.app.server).post(`/v1/training-jobs/${id}/cancel`).expect(202);
    const done = await world.until(id, (j) => j.finishedAt !== null);
    const took = Date.now() - asked;
    expect(done.status).toBe('cancelled');
    expect(took).toBeLessThan(5_000);
    figures.push(`cancel: running job ended as cancelled ${seconds(took)} after the request`);
  });

  it('time limit: a job over its maxRunSeconds ends as timed out', async () => {
    // Never let past its first batch: only the time limit can end it.
    const id = await world.submit({ epochs: 50, maxRunSeconds: 8 });
    const done = await world.until(id, (j) => j.finishedAt !== null);
    expect(done.status).toBe('timed_out');
    const active = done.transitions.find((t) => t.state === 'active');
    const ran = Date.parse(done.finishedAt as string) - Date.parse(active?.at as string);
    expect(ran).toBeGreaterThanOrEqual(8_000);
    expect(ran).toBeLessThan(8_000 + 5_000);
    figures.push(`time limit 8 s: timed out after ${seconds(ran)} of running`);
  });
});
