import type { Redis } from 'ioredis';

/** Deletes every key under a test's prefix, so a test run leaves the shared Redis as it was. */
export async function removePrefix(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}
