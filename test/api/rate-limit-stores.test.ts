import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  memoryRateLimitStore,
  type RateLimitStore,
} from '../../src/api/plugins/rate-limit-store.js';
import { redisRateLimitStore } from '../../src/api/plugins/redis-rate-limit-store.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { useRedisPrefix } from '../store/redis-prefix.js';

const MINUTE = 60_000;
const { redis: inspect, prefix } = useRedisPrefix('rate-stores');
const connections: Redis[] = [];

afterAll(() => {
  for (const c of connections) c.disconnect();
});

/** A Redis store on a connection of its own, as each API process has one. */
async function redisStore(): Promise<RateLimitStore> {
  const redis = apiConnection('redis://127.0.0.1:6379');
  connections.push(redis);
  await new Promise((resolve) => redis.once('ready', resolve));
  return redisRateLimitStore({ redis, prefix, windowMs: MINUTE });
}

let run = 0;
/** Keys unique to one test, so the Redis store's windows never carry over between tests. */
const key = (name: string) => `t${run}:${name}`;

describe.each([
  ['memory', async () => memoryRateLimitStore(MINUTE)],
  ['Redis', redisStore],
])('the %s store (time given, not read)', (_name, makeStore) => {
  it('counts units, not requests, within a window that starts at the first one', async () => {
    run++;
    const store = await makeStore();
    expect(await store.take(key('a'), 5, 3, 1000)).toMatchObject({
      allowed: true,
      remaining: 2,
      resetMs: MINUTE,
    });
    expect(await store.take(key('a'), 5, 3, 2000)).toMatchObject({
      allowed: false,
      remaining: 2,
      retryAfterMs: MINUTE - 1000,
    });
    expect(await store.take(key('a'), 5, 2, 2000)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await store.take(key('b'), 5, 5, 2000)).allowed).toBe(true);
    // The window ends a minute after the first request: all 5 units are back.
    expect(await store.take(key('a'), 5, 5, 1000 + MINUTE)).toMatchObject({
      allowed: true,
      remaining: 0,
    });
  });

  it('lets an idle key overdraw once, and carries the excess into the windows that follow', async () => {
    run++;
    const store = await makeStore();
    expect(await store.take(key('a'), 5, 12, 0)).toMatchObject({ allowed: true, remaining: 0 });
    // 12 used: 7 left to pay after one window, 2 after two; 1 more fits after two.
    expect(await store.take(key('a'), 5, 1, 10)).toMatchObject({
      allowed: false,
      retryAfterMs: 2 * MINUTE - 10,
    });
    expect((await store.take(key('a'), 5, 1, MINUTE)).allowed).toBe(false);
    expect(await store.take(key('a'), 5, 1, 2 * MINUTE)).toMatchObject({
      allowed: true,
      remaining: 2,
    });
    // More than the limit again only once nothing is counted.
    expect(await store.take(key('a'), 5, 12, 2 * MINUTE + 1)).toMatchObject({
      allowed: false,
      retryAfterMs: 3 * MINUTE - 2 * MINUTE - 1,
    });
    expect((await store.take(key('a'), 5, 12, 3 * MINUTE)).allowed).toBe(true);
  });
});

describe('the Redis store', () => {
  it('lets exactly the limit through when two connections take at once', async () => {
    const [a, b] = await Promise.all([redisStore(), redisStore()]);
    const takes = Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).take('race', 25, 1));
    const decisions = await Promise.all(takes);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
    expect(decisions.filter((d) => !d.allowed).every((d) => d.retryAfterMs > 0)).toBe(true);
  });

  it("reads Redis' clock when no time is given, and keeps a key only until its units are paid", async () => {
    const store = await redisStore();
    const first = await store.take('clock', 4, 1);
    expect(first).toMatchObject({ allowed: true, remaining: 3 });
    expect(first.resetMs).toBeGreaterThan(MINUTE - 5_000);
    expect(first.resetMs).toBeLessThanOrEqual(MINUTE);
    const ttl = await inspect.pttl(`${prefix}:rate:clock`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(MINUTE);
    // An overdraft of 9 units under a limit of 4 is paid off in 3 windows: kept that long.
    await store.take('debt', 4, 9);
    const debt = await inspect.pttl(`${prefix}:rate:debt`);
    expect(debt).toBeGreaterThan(2 * MINUTE);
    expect(debt).toBeLessThanOrEqual(3 * MINUTE);
  });

  it('rejects at once while Redis is down, so the plugin can decide', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    down.on('error', () => {});
    connections.push(down);
    const store = redisRateLimitStore({ redis: down, prefix, windowMs: MINUTE });
    const started = Date.now();
    await expect(store.take('down', 5, 1)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
