import { describe, expect, it } from 'vitest';
import {
  createModelRegistry,
  type ModelRegistry,
  type NewModelVersion,
} from '../../src/store/model-registry.js';
import { StoreError } from '../../src/store/store-errors.js';
import { useRedisPrefix } from './redis-prefix.js';
import { rejection } from './rejection.js';

const { redis, prefix } = useRedisPrefix('registry');
let registries = 0;

/** A registry of its own per test, under the file's prefix, so tests do not see each other. */
function newRegistry(fallbackAliases?: string[]): { registry: ModelRegistry; keyPrefix: string } {
  const keyPrefix = `${prefix}:${++registries}`;
  return {
    registry: createModelRegistry({ redis, prefix: keyPrefix, fallbackAliases }),
    keyPrefix,
  };
}

function record(id: string, overrides: Partial<NewModelVersion> = {}): NewModelVersion {
  return {
    id,
    jobId: id,
    spec: { conv: [{ filters: 32, filterSize: 3 }], dense: [{ units: 100 }] },
    metrics: { val_acc: 0.91, test_acc: 0.9, loss: 0.27 },
    classNames: ['T-shirt/top', 'Trouser'],
    artifact: id,
    sha256: 'ab'.repeat(32),
    backend: 'wasm',
    ...overrides,
  };
}

describe('model registry', () => {
  it('registers and gets a model, storing structured fields as JSON strings', async () => {
    const { registry, keyPrefix } = newRegistry();
    const before = Date.now();
    const stored = await registry.register(record('job-1'));
    expect(stored).toMatchObject({ ...record('job-1'), version: 1 });
    expect(Date.parse(stored.createdAt)).toBeGreaterThanOrEqual(before - 1);
    expect(stored.createdAt).toBe(new Date(stored.createdAt).toISOString());
    expect(await registry.get('job-1')).toEqual(stored);

    expect(await redis.type(`${keyPrefix}:model:job-1`)).toBe('hash');
    expect(await redis.hget(`${keyPrefix}:model:job-1`, 'metrics')).toBe(
      JSON.stringify(record('job-1').metrics),
    );
    expect(await redis.zscore(`${keyPrefix}:models`, 'job-1')).toBe('1');
    expect(await redis.get(`${keyPrefix}:models:seq`)).toBe('1');
  });

  it('refuses to register the same id twice, even concurrently', async () => {
    const { registry } = newRegistry();
    const first = await registry.register(record('a'));
    const err = await rejection(registry.register(record('a', { backend: 'cpu' })), StoreError);
    expect(err.code).toBe('CONFLICT');
    expect(await registry.get('a')).toEqual(first);

    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => registry.register(record('b'))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await registry.list()).items.map((m) => m.id)).toEqual(['b', 'a']);
  });

  it('throws NOT_FOUND for an unknown model', async () => {
    const { registry } = newRegistry();
    const err = await rejection(registry.get('missing'), StoreError);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain("'missing'");
    expect(await registry.newest()).toBeUndefined();
  });

  it('lists newest first, page by page', async () => {
    const { registry } = newRegistry();
    expect(await registry.list()).toEqual({ items: [] });
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) await registry.register(record(id));

    const all = await registry.list();
    expect(all.items.map((m) => [m.id, m.version])).toEqual([
      ['m5', 5],
      ['m4', 4],
      ['m3', 3],
      ['m2', 2],
      ['m1', 1],
    ]);
    expect(all.nextCursor).toBeUndefined();

    const first = await registry.list({ limit: 2 });
    expect(first.items.map((m) => m.id)).toEqual(['m5', 'm4']);
    // A model registered between pages does not shift the next page.
    await registry.register(record('m6'));
    const second = await registry.list({ limit: 2, cursor: first.nextCursor });
    expect(second.items.map((m) => m.id)).toEqual(['m3', 'm2']);
    const third = await registry.list({ limit: 2, cursor: second.nextCursor });
    expect(third.items.map((m) => m.id)).toEqual(['m1']);
    expect(third.nextCursor).toBeUndefined();

    const exact = await registry.list({ limit: 6 });
    expect(exact.items).toHaveLength(6);
    expect(exact.nextCursor).toBeUndefined();

    expect((await registry.newest())?.id).toBe('m6');
  });

  it('rejects bad list options', async () => {
    const { registry } = newRegistry();
    for (const options of [{ limit: 0 }, { limit: 1001 }, { limit: 1.5 }]) {
      await expect(registry.list(options)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await expect(registry.list({ cursor: 'abc' })).rejects.toMatchObject({
      code: 'INVALID_CURSOR',
    });
  });

  it('sets, reads and removes aliases', async () => {
    const { registry, keyPrefix } = newRegistry();
    await registry.register(record('a'));
    await registry.register(record('b'));
    expect(await registry.getAlias('prod')).toBeUndefined();

    await registry.setAlias('prod', 'a');
    expect(await registry.getAlias('prod')).toBe('a');
    expect(await redis.hget(`${keyPrefix}:aliases`, 'prod')).toBe('a');
    expect((await registry.resolve('prod')).id).toBe('a');

    await registry.setAlias('prod', 'b');
    expect((await registry.resolve('prod')).id).toBe('b');

    await expect(registry.setAlias('prod', 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await registry.getAlias('prod')).toBe('b');

    expect(await registry.deleteAlias('prod')).toBe(true);
    expect(await registry.deleteAlias('prod')).toBe(false);
    await expect(registry.resolve('prod')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('resolves ids before aliases, and unset fallback aliases to the newest model', async () => {
    const { registry, keyPrefix } = newRegistry(['default', 'latest']);
    await expect(registry.resolve('default')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'no model has been registered yet',
    });

    await registry.register(record('old'));
    await registry.register(record('new'));
    expect((await registry.resolve('default')).id).toBe('new');
    expect((await registry.resolve('latest')).id).toBe('new');
    expect((await registry.resolve('old')).id).toBe('old');

    await registry.setAlias('default', 'old');
    expect((await registry.resolve('default')).id).toBe('old');
    expect((await registry.resolve('latest')).id).toBe('new');

    // An alias may not be named like a model: it could never be reached, ids resolve first.
    await expect(registry.setAlias('new', 'old')).rejects.toMatchObject({
      code: 'ALIAS_NAME_TAKEN',
    });
    expect(await registry.getAlias('new')).toBeUndefined();
    // One written before a model of that name was registered is shadowed, never hijacks it.
    await redis.hset(`${keyPrefix}:aliases`, 'new', 'old');
    expect((await registry.resolve('new')).id).toBe('new');

    await expect(registry.resolve('staging')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('uses `default` and `production` as fallbacks unless configured', async () => {
    const { registry } = newRegistry();
    await registry.register(record('x'));
    expect((await registry.resolve('default')).id).toBe('x');
    expect((await registry.resolve('production')).id).toBe('x');
    expect(registry.isFallbackAlias('production')).toBe(true);
    expect(registry.isFallbackAlias('latest')).toBe(false);
    await expect(registry.resolve('latest')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each(['../x', 'a/b', '', '%2e%2e', 'x'.repeat(65), 'modèle', 'a\u0000'])(
    'rejects the hostile id %j with INVALID_ID before touching Redis',
    async (bad) => {
      const { registry, keyPrefix } = newRegistry();
      const calls = [
        () => registry.get(bad),
        () => registry.resolve(bad),
        () => registry.getAlias(bad),
        () => registry.setAlias(bad, 'x'),
        () => registry.setAlias('ok', bad),
        () => registry.promote(bad, 'x', { gate: true }),
        () => registry.promote('ok', bad, { gate: true }),
        () => registry.deleteAlias(bad),
        () => registry.register(record(bad)),
        () => registry.register(record('ok', { jobId: bad })),
        () => registry.register(record('ok', { artifact: bad })),
      ];
      for (const call of calls) {
        await expect(call()).rejects.toMatchObject({ code: 'INVALID_ID' });
      }
      expect(await redis.keys(`${keyPrefix}:*`)).toEqual([]);
    },
  );

  it('validates the rest of a record', async () => {
    const { registry } = newRegistry();
    const bad: Partial<NewModelVersion>[] = [
      { sha256: 'not-a-hash' },
      { sha256: 'AB'.repeat(32) },
      { metrics: { val_acc: Number.NaN } },
      { metrics: { val_acc: '0.9' as unknown as number } },
      { classNames: [1 as unknown as string] },
      { spec: null as unknown as object },
      { backend: '' },
    ];
    for (const overrides of bad) {
      await expect(registry.register(record('r', overrides))).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    }
    await expect(registry.get('r')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reports a damaged record as INTEGRITY', async () => {
    const { registry, keyPrefix } = newRegistry();
    await registry.register(record('d'));
    await redis.hset(`${keyPrefix}:model:d`, 'metrics', '{oops');
    await expect(registry.get('d')).rejects.toMatchObject({ code: 'INTEGRITY' });
  });
});
