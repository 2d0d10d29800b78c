import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';

/**
 * A client on the test Redis and a key prefix unique to the calling test file. Every key
 * under the prefix is deleted when the file finishes; nothing else is touched.
 */
export function useRedisPrefix(name: string): { redis: Redis; prefix: string } {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  // Hex only, so the prefix has no glob characters that would widen the SCAN pattern.
  const prefix = `test-${name}-${randomBytes(6).toString('hex')}`;
  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  });
  return { redis, prefix };
}
