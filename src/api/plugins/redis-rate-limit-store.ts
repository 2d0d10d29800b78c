import { readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';
import type { RateLimitStore } from './rate-limit-store.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** rate-window.lua, defined on a connection by redisRateLimitStore. */
    tailorRateWindow(
      key: string,
      max: number,
      windowMs: number,
      units: number,
      ...now: number[]
    ): Result<[number, number, number, number], Context>;
  }
}

export interface RedisRateLimitStoreOptions {
  /** The API's connection: it fails fast while Redis is down (jobs/connection.ts). */
  redis: Redis;
  /** The deployment's key prefix; the windows live under `<prefix>:rate:`. */
  prefix: string;
  windowMs: number;
  /**
   * A Redis slower than this to answer counts as unavailable, so a frozen Redis costs a
   * request this much at most. Generous: a busy event loop delays a prompt answer too, and
   * each early give-up lets a prediction through uncounted.
   */
  timeoutMs?: number;
}

/** Said when Redis has not answered a count in time. */
export class RateLimitTimeoutError extends Error {
  override readonly name = 'RateLimitTimeoutError';
}

/**
 * Counts in Redis, so every API process of a deployment enforces one limit together. One
 * Lua script per request reads, settles and updates a key's window atomically; ioredis sends
 * it by its SHA once Redis has seen it (https://github.com/redis/ioredis#lua-scripting).
 */
export function redisRateLimitStore({
  redis,
  prefix,
  windowMs,
  timeoutMs = 2000,
}: RedisRateLimitStoreOptions): RateLimitStore {
  redis.defineCommand('tailorRateWindow', {
    numberOfKeys: 1,
    lua: readFileSync(new URL('./rate-window.lua', import.meta.url), 'utf8'),
  });
  return {
    async take(key, max, units, now) {
      const reply = redis.tailorRateWindow(
        `${prefix}:rate:${key}`,
        max,
        windowMs,
        units,
        ...(now === undefined ? [] : [now]),
      );
      const [allowed, remaining, resetMs, retryAfterMs] = await withTimeout(reply, timeoutMs);
      return { allowed: allowed === 1, remaining, resetMs, retryAfterMs };
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new RateLimitTimeoutError(`Redis did not answer the rate limit within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
