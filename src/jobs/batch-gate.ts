import { setTimeout } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { unlessAborted } from '../ml/train.js';
import { TRAINING_QUEUE } from './queue.js';

/**
 * A hold point for tests of running jobs. With `TAILOR_BATCH_GATE=1` a training job waits
 * before each batch until its gate in Redis lets it pass, so a test can catch it at an
 * exact batch (to watch, stop, cancel, kill or time it out there) on a machine of any
 * speed, instead of hoping that training is slow. Off by default; nothing but tests turns
 * it on, and a worker that has it on says so in its log.
 *
 * A gate is a position `epoch:batch` (batch = batches already done in that epoch): the job
 * runs every batch before it and waits there. No gate yet: the job waits before its first
 * batch. `open`: it never waits.
 */
export interface GatePosition {
  epoch: number;
  /** Batches done in `epoch` when the job stops there (0: before its first). */
  batch: number;
}

const OPEN = 'open';
const POLL_MS = 25;

function keys(prefix: string, jobId: string) {
  const base = `${prefix}:${TRAINING_QUEUE}:${jobId}:gate`;
  return { gate: base, held: `${base}:held` };
}

const format = (at: GatePosition) => `${at.epoch}:${at.batch}`;

function position(raw: string): GatePosition {
  const [epoch = 1, batch = 0] = raw.split(':').map(Number);
  return { epoch, batch };
}

/** A gate as stored: none yet is the start of training. */
const parse = (raw: string | null): GatePosition | 'open' =>
  raw === OPEN ? OPEN : position(raw ?? '1:0');

const before = (a: GatePosition, b: GatePosition) =>
  a.epoch < b.epoch || (a.epoch === b.epoch && a.batch < b.batch);

/** The controlling side: where a job must stop next, and where it stands stopped. */
export function batchGates(redis: Redis, prefix: string) {
  return {
    /** Lets the job run up to `at` and stop there (it must not be past it already). */
    async holdAt(jobId: string, at: GatePosition): Promise<void> {
      const k = keys(prefix, jobId);
      await redis.multi().set(k.gate, format(at)).del(k.held).exec();
    },
    /** Lets the job run on to its end. */
    async release(jobId: string): Promise<void> {
      const k = keys(prefix, jobId);
      await redis.multi().set(k.gate, OPEN).del(k.held).exec();
    },
    /** Where the job waits now, or undefined while it runs (or has not reached a gate). */
    async heldAt(jobId: string): Promise<GatePosition | undefined> {
      const raw = await redis.get(keys(prefix, jobId).held);
      return raw === null ? undefined : position(raw);
    },
  };
}

export interface GateWaitOptions {
  /** Aborting ends the wait at once (a cancel, a shutdown, a time limit), Redis or not. */
  signal: AbortSignal;
  /** Called once before the job reports itself held, e.g. to publish its progress. */
  onHold?: () => Promise<void>;
}

/**
 * The training side: `pass(at)` returns when the gate is beyond that position or the
 * signal aborts. While it waits, the held position is in Redis for the test to see.
 */
export function batchGateWaiter(redis: Redis, prefix: string, jobId: string) {
  const k = keys(prefix, jobId);
  return async function pass(at: GatePosition, { signal, onHold }: GateWaitOptions) {
    const gateAllows = async () => {
      const raw = await unlessAborted(redis.get(k.gate), signal);
      if (raw === undefined) return true; // aborted
      const gate = parse(raw);
      return gate === OPEN || before(at, gate);
    };
    if (signal.aborted || (await gateAllows())) return;
    await onHold?.();
    await redis.set(k.held, format(at));
    while (!(await gateAllows())) await setTimeout(POLL_MS, undefined, { signal }).catch(() => {});
    await unlessAborted(redis.del(k.held), signal);
  };
}
