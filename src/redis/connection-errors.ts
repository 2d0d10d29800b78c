/**
 * Whether an error says Redis cannot be reached, rather than that a command failed: the
 * API's connection fails fast (`enableOfflineQueue: false`), so a Redis that is down shows
 * as these messages of ioredis and of the socket underneath. Such a failure is worth a 503
 * and a retry, not a 500.
 */
export function isRedisUnavailable(err: unknown): boolean {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && UNAVAILABLE.test(message);
}

const UNAVAILABLE =
  /enableOfflineQueue|Stream isn't writeable|ECONNREFUSED|ECONNRESET|Connection is closed|ETIMEDOUT|max retries/i;

/** A service command started against a Redis it cannot reach: the operator's to fix. */
export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';
  readonly code = 'REDIS_UNREACHABLE';

  constructor(url: string, cause: unknown) {
    const reason = (cause as { message?: unknown } | null)?.message;
    super(`Redis at ${url} is unreachable (${String(reason ?? cause)}); start it or set REDIS_URL`);
  }
}
