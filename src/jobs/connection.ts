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
