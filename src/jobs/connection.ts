import { Redis } from 'ioredis';

/**
 * The API fails fast when Redis is down (a 503, not a hung request); workers wait and
 * reconnect. See BullMQ's "going to production" guide.
 */
export function apiConnection(url: string): Redis {
  return new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
}

export function workerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/**
 * A sandboxed training child's own connection (registry, trial reports, batch gate): it
 * waits through outages like a worker's, and its errors are not news, it reconnects.
 */
export function childConnection(redisUrl: string | undefined): Redis {
  const redis = workerConnection(redisUrl ?? 'redis://127.0.0.1:6379');
  redis.on('error', () => {});
  return redis;
}
