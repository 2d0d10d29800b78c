import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { type IndexEntry, type IndexSlice, sliceIndex } from '../redis/creation-index.js';
import { TRAINING_JOB_STATUSES, type TrainingJobStatus } from './job-status.js';

/**
 * Adds an id to the index of all jobs and, if it was new there, to one status. A worker
 * may have moved the job on before the API indexed it; then it keeps the worker's status.
 */
const ADD = `
if redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
end
return 1`;

/** Takes an id out of every status (KEYS[3..]) and puts it in one (KEYS[2]). */
const MOVE = `
redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[2])
for i = 3, #KEYS do redis.call('ZREM', KEYS[i], ARGV[2]) end
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
return 1`;

/**
 * Jobs of a queue by creation time, all of them and per status, for lists that page by
 * cursor. BullMQ keeps jobs per state, in lists and sets with orders of their own, so it
 * cannot page one order across states, and its `completed` holds cancelled, timed-out and
 * early-stopped jobs too. Whoever changes a job's status moves it here: the API when it
 * queues or cancels, the worker when it starts, requeues or ends one. Lists check each job
 * they read against its real status and mend the index where a process died in between.
 */
export function jobIndex(redis: Redis, base: string) {
  const all = `${base}:all`;
  const byStatus = (status: TrainingJobStatus) => `${base}:status:${status}`;
  const statusKeys = TRAINING_JOB_STATUSES.map(byStatus);
  const key = (status?: TrainingJobStatus) => (status ? byStatus(status) : all);
  return {
    /** Records a job just queued, created at `at` (ms). */
    async add(id: string, at: number): Promise<void> {
      await redis.eval(ADD, 2, all, byStatus('queued'), at, id);
    },
    /** Records that a job entered `status`; indexes it if it was not yet. */
    async move(id: string, at: number, status: TrainingJobStatus): Promise<void> {
      await redis.eval(MOVE, 2 + statusKeys.length, all, byStatus(status), ...statusKeys, at, id);
    },
    /** Drops a job Redis no longer holds (retention removed it). */
    async forget(id: string): Promise<void> {
      const multi = redis.multi().zrem(all, id);
      for (const k of statusKeys) multi.zrem(k, id);
      await multi.exec();
    },
    slice(status: TrainingJobStatus | undefined, after: IndexEntry | undefined, count: number) {
      return sliceIndex(redis, key(status), after, count) as Promise<IndexSlice>;
    },
    async has(id: string): Promise<boolean> {
      return (await redis.zscore(all, id)) !== null;
    },
    /** Whether the jobs queued before the index existed were indexed (see fillIndex). */
    async filled(): Promise<boolean> {
      return (await redis.exists(`${base}:filled`)) === 1;
    },
    async markFilled(): Promise<void> {
      await redis.set(`${base}:filled`, new Date().toISOString());
    },
    count(status?: TrainingJobStatus): Promise<number> {
      return redis.zcard(key(status));
    },
    /** Up to `count` ids recorded in `status`, newest first. */
    async ids(status: TrainingJobStatus, count: number): Promise<IndexEntry[]> {
      return (await sliceIndex(redis, byStatus(status), undefined, count)).entries;
    },
  };
}

export type JobIndex = ReturnType<typeof jobIndex>;

/** The index of a queue's jobs, on the queue's own connection and key prefix. */
export function indexOfQueue(queue: Queue): JobIndex {
  const { connection } = queue.opts;
  // tailor builds every queue on an ioredis connection of its own (see connection.ts).
  if (!(connection instanceof Redis))
    throw new Error('job index: the queue needs an ioredis connection');
  return jobIndex(connection, `${queue.opts.prefix ?? 'bull'}:${queue.name}:tailor-index`);
}
