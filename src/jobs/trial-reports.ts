import type { Redis } from 'ioredis';

/** Kept as long as the tuning job itself (30 days). */
const TTL_SECONDS = 31 * 24 * 3600;

/**
 * Where the trials of one tuning job post their best val_acc after each epoch, so each can
 * weigh itself against the others (early-stopping.ts): one hash per epoch, trial -> value.
 */
export function trialReports(redis: Redis, prefix: string, tuningId: string) {
  const key = (epoch: number) => `${prefix}:tuning:${tuningId}:epoch:${epoch}`;
  return {
    /** Posts this trial's value and returns the other trials' values at the same epoch. */
    async post(trial: number, epoch: number, bestValAcc: number): Promise<number[]> {
      const replies = await redis
        .multi()
        .hset(key(epoch), String(trial), String(bestValAcc))
        .expire(key(epoch), TTL_SECONDS)
        .hgetall(key(epoch))
        .exec();
      const values = (replies?.[2]?.[1] ?? {}) as Record<string, string>;
      return Object.entries(values)
        .filter(([t]) => t !== String(trial))
        .map(([, v]) => Number(v));
    },
  };
}
