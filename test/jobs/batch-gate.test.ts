import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { batchGates, batchGateWaiter, type GatePosition } from '../../src/jobs/batch-gate.js';
import { removePrefix } from '../support/redis-cleanup.js';

const prefix = `gate-${process.pid}-${Date.now()}`;
const redis = new Redis('redis://127.0.0.1:6379');
const gates = batchGates(redis, prefix);

afterAll(async () => {
  await removePrefix(redis, prefix);
  redis.disconnect();
});

/** Walks a job's batches through the gate as the fit loop does; `passed` grows as it goes. */
function walk(jobId: string, positions: GatePosition[], signal = new AbortController().signal) {
  const pass = batchGateWaiter(redis, prefix, jobId);
  const passed: string[] = [];
  const done = (async () => {
    for (const at of positions) {
      await pass(at, { signal });
      passed.push(`${at.epoch}:${at.batch}`);
    }
  })();
  return { passed, done };
}

const positions = (epoch: number, count: number) =>
  Array.from({ length: count }, (_, batch) => ({ epoch, batch }));

async function heldAt(jobId: string, at: GatePosition) {
  for (let i = 0; i < 400; i++) {
    const held = await gates.heldAt(jobId);
    if (held?.epoch === at.epoch && held.batch === at.batch) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never held at ${at.epoch}:${at.batch}`);
}

describe('the batch gate', () => {
  it('holds a job before its first batch until told, then exactly where it is told', async () => {
    const job = walk('a', [...positions(1, 4), ...positions(2, 4)]);
    await heldAt('a', { epoch: 1, batch: 0 });
    expect(job.passed).toEqual([]);

    await gates.holdAt('a', { epoch: 2, batch: 1 });
    await heldAt('a', { epoch: 2, batch: 1 });
    expect(job.passed).toEqual(['1:0', '1:1', '1:2', '1:3', '2:0']);

    await gates.release('a');
    await job.done;
    expect(job.passed).toHaveLength(8);
    expect(await gates.heldAt('a')).toBeUndefined();
  });

  it('lets a job past at once when its gate is already beyond it', async () => {
    await gates.holdAt('b', { epoch: 3, batch: 0 });
    const job = walk('b', positions(2, 5));
    await job.done;
    expect(job.passed).toHaveLength(5);
    expect(await gates.heldAt('b')).toBeUndefined();
  });

  it('ends the wait when the signal aborts (a cancel, a shutdown)', async () => {
    const stop = new AbortController();
    const job = walk('c', positions(1, 3), stop.signal);
    await heldAt('c', { epoch: 1, batch: 0 });
    stop.abort();
    await job.done;
    // Aborted, every later batch goes through too: the fit loop checks its signals itself.
    expect(job.passed).toEqual(['1:0', '1:1', '1:2']);
  });

  it('keeps each job to its own gate', async () => {
    await gates.release('d');
    const free = walk('d', positions(1, 3));
    const held = walk('e', positions(1, 3));
    await free.done;
    await heldAt('e', { epoch: 1, batch: 0 });
    expect(held.passed).toEqual([]);
    await gates.release('e');
    await held.done;
  });
});
