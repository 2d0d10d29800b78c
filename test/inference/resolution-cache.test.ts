import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ResolutionCache } from '../../src/inference/resolution-cache.js';
import type { ModelVersion } from '../../src/store/model-registry.js';

const record = { id: 'm', version: 3 } as ModelVersion;

/** ioredis' own error for a command on an API connection to a Redis that is down. */
async function redisDownError(): Promise<Error> {
  const down = new Redis('redis://127.0.0.1:1', {
    enableOfflineQueue: false,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  down.on('error', () => {});
  const err = await down.get('x').catch((e: Error) => e);
  down.disconnect();
  return err as Error;
}

describe('ResolutionCache', () => {
  it('answers from the last resolution while Redis is down, within its age, and only then', async () => {
    const down = await redisDownError();
    let fail: Error | undefined;
    const cache = new ResolutionCache(
      async (name) => {
        if (fail) throw fail;
        if (name !== 'm') throw new Error(`no model '${name}'`);
        return record;
      },
      { maxAgeMs: 50 },
    );
    await expect(cache.get('m')).resolves.toBe(record);
    fail = down;
    await expect(cache.get('m')).resolves.toBe(record);
    // Never resolved: nothing to stand in.
    await expect(cache.get('other')).rejects.toBe(down);
    // A refusal of Redis itself is never masked.
    fail = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    await expect(cache.get('m')).rejects.toBe(fail);
    fail = down;
    await new Promise((resolve) => setTimeout(resolve, 80));
    await expect(cache.get('m')).rejects.toBe(down);
  });
});
