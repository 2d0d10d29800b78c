import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersPing, ensureRedis, RedisUnavailableError } from '../../src/redis/local-redis.js';
import { freePort } from '../support/redis-server.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailor-redis-'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('ensureRedis', () => {
  it('uses REDIS_URL as given', async () => {
    const endpoint = await ensureRedis({ redisUrl: 'redis://elsewhere:6380', dataDir: dir });
    expect(endpoint).toMatchObject({ url: 'redis://elsewhere:6380', source: 'configured' });
  });

  it('uses a Redis already answering on the port', async () => {
    const endpoint = await ensureRedis({ redisUrl: undefined, dataDir: dir, port: 6379 });
    expect(endpoint).toMatchObject({ url: 'redis://127.0.0.1:6379', source: 'running' });
  });

  it('starts redis-server with append-only persistence when nothing answers', async () => {
    const port = await freePort();
    const endpoint = await ensureRedis({ redisUrl: undefined, dataDir: dir, port });
    try {
      expect(endpoint.source).toBe('started');
      expect(await answersPing('127.0.0.1', port)).toBe(true);
      expect(await readdir(join(dir, 'redis'))).toContain('appendonlydir');
    } finally {
      await endpoint.stop();
    }
    expect(await answersPing('127.0.0.1', port)).toBe(false);
  });

  it('says how to get Redis when there is none and no binary', async () => {
    const port = await freePort();
    const attempt = ensureRedis({
      redisUrl: undefined,
      dataDir: dir,
      port,
      binary: 'redis-server-that-does-not-exist',
    });
    await expect(attempt).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(attempt).rejects.toThrow(/set REDIS_URL .* apt-get install redis-server/);
  });
});
