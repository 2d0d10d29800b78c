import { Redis } from 'ioredis';

export class RedisEvictionError extends Error {
  readonly code = 'REDIS_EVICTS_KEYS';
}

/**
 * Refuses a Redis that may evict keys under memory pressure: it would drop queued jobs,
 * their locks and the model registry without a word. BullMQ needs `noeviction`
 * (https://docs.bullmq.io/guide/going-to-production#max-memory-policy). Read from INFO,
 * which managed Redis services allow where CONFIG GET is often disabled.
 */
export async function checkEvictionPolicy(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const policy = maxmemoryPolicy(await redis.info('memory'));
    if (policy !== 'noeviction') {
      throw new RedisEvictionError(
        `Redis at ${url} has maxmemory-policy '${policy}': it may evict queue keys and lose jobs; ` +
          `set 'maxmemory-policy noeviction' in redis.conf (or CONFIG SET maxmemory-policy noeviction)`,
      );
    }
    return policy;
  } finally {
    redis.disconnect();
  }
}

/** The eviction policy in the text of `INFO memory` (Redis before 3 does not say: none). */
export function maxmemoryPolicy(info: string): string {
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'noeviction';
}
