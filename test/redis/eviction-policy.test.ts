import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEvictionPolicy } from '../../src/redis/eviction-policy.js';
import { runTailor } from '../cli/run-tailor.js';
import { startRedisServer } from '../support/redis-server.js';

let evicting: Awaited<ReturnType<typeof startRedisServer>>;

beforeAll(async () => {
  evicting = await startRedisServer(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
});

afterAll(() => evicting?.stop());

describe("Redis' maxmemory-policy", () => {
  it('is accepted when Redis never evicts', async () => {
    expect(await checkEvictionPolicy('redis://127.0.0.1:6379')).toBe('noeviction');
  });

  it('is refused when Redis may evict keys, naming the policy and the fix', async () => {
    await expect(checkEvictionPolicy(evicting.url)).rejects.toMatchObject({
      code: 'REDIS_EVICTS_KEYS',
      message: expect.stringMatching(/'allkeys-lru'.*set 'maxmemory-policy noeviction'/),
    });
  });

  it('keeps a worker and the API from starting against such a Redis', async () => {
    for (const command of ['worker', 'serve']) {
      const run = await runTailor([command], { REDIS_URL: evicting.url, PORT: '0' });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/maxmemory-policy 'allkeys-lru'/);
    }
  });
});
