import type { Redis } from 'ioredis';
import { TRAINING_QUEUE } from './queue.js';

/** How long a cancel request outlives its job's own retention (30 days). */
const TTL_SECONDS = 31 * 24 * 3600;

export interface CancelRequest {
  at: string;
  /** Who asked: an API key's name, or `anonymous` when auth is off. */
  by: string;
}

/**
 * Cancel requests live in Redis beside the job, not in a message: whichever worker runs
 * the job (now, or later for a queued one) finds the request, whatever it missed meanwhile.
 */
export function cancelRequests(redis: Redis, prefix: string) {
  const key = (jobId: string) => `${prefix}:${TRAINING_QUEUE}:${jobId}:cancel`;
  return {
    /** Records the request; the first one wins, so its time is when cancelling began. */
    async request(jobId: string, by: string): Promise<CancelRequest> {
      const request: CancelRequest = { at: new Date().toISOString(), by };
      await redis.set(key(jobId), JSON.stringify(request), 'EX', TTL_SECONDS, 'NX');
      return (await this.get(jobId)) ?? request;
    },
    async get(jobId: string): Promise<CancelRequest | undefined> {
      const raw = await redis.get(key(jobId));
      return raw ? (JSON.parse(raw) as CancelRequest) : undefined;
    },
    /** The ids among `jobIds` with a pending cancel request (one round trip). */
    async pending(jobIds: readonly string[]): Promise<string[]> {
      if (jobIds.length === 0) return [];
      const values = await redis.mget(...jobIds.map(key));
      return jobIds.filter((_, i) => values[i] !== null);
    },
    remove(jobId: string) {
      return redis.del(key(jobId));
    },
  };
}

export type CancelRequests = ReturnType<typeof cancelRequests>;
