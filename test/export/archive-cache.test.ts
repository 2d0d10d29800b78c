import { describe, expect, it } from 'vitest';
import { createArchiveCache } from '../../src/export/archive-cache.js';

const bytes = (n: number) => Buffer.alloc(n);

describe('createArchiveCache', () => {
  it('builds once for concurrent and later requests of one model', async () => {
    const cache = createArchiveCache(100);
    let builds = 0;
    const build = async () => {
      builds++;
      await new Promise((done) => setImmediate(done));
      return bytes(10);
    };
    const [a, b] = await Promise.all([cache.get('m', build), cache.get('m', build)]);
    expect(a).toBe(b);
    expect(await cache.get('m', build)).toBe(a);
    expect(builds).toBe(1);
  });

  it('evicts the least recently used archive past its budget', async () => {
    const cache = createArchiveCache(25);
    await cache.get('a', async () => bytes(10));
    await cache.get('b', async () => bytes(10));
    await cache.get('a', async () => bytes(99)); // a hit: 'a' becomes the newest
    await cache.get('c', async () => bytes(10)); // 30 > 25: 'b' leaves
    expect(cache.size()).toBe(20);
    const rebuilt: string[] = [];
    const rebuild = (key: string) => async () => {
      rebuilt.push(key);
      return bytes(10);
    };
    await cache.get('a', rebuild('a'));
    await cache.get('b', rebuild('b'));
    expect(rebuilt).toEqual(['b']);
  });

  it('keeps neither failures nor archives larger than the budget', async () => {
    const cache = createArchiveCache(25);
    await expect(cache.get('x', async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await cache.get('x', async () => bytes(5))).toHaveLength(5);
    await cache.get('huge', async () => bytes(26));
    expect(cache.size()).toBe(5);
  });
});
