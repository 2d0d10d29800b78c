import { describe, expect, it } from 'vitest';
import {
  AliasNameTakenError,
  createModelRegistry,
  type ModelRegistry,
  type NewModelVersion,
  type Promotion,
  PromotionRefusedError,
} from '../../src/store/model-registry.js';
import { StoreError } from '../../src/store/store-errors.js';
import { useRedisPrefix } from './redis-prefix.js';
import { rejection } from './rejection.js';

const { redis, prefix } = useRedisPrefix('registry-aliases');
let registries = 0;

function newRegistry(): { registry: ModelRegistry; keyPrefix: string } {
  const keyPrefix = `${prefix}:${++registries}`;
  return { registry: createModelRegistry({ redis, prefix: keyPrefix }), keyPrefix };
}

/** A record with the given test accuracy; undefined leaves test_acc out. */
function model(id: string, testAcc: number | undefined): NewModelVersion {
  return {
    id,
    jobId: id,
    spec: {},
    metrics: testAcc === undefined ? { val_acc: 0.5 } : { val_acc: 0.5, test_acc: testAcc },
    classNames: ['a', 'b'],
    artifact: id,
    sha256: 'cd'.repeat(32),
    backend: 'wasm',
  };
}

describe('promote', () => {
  it('creates and moves an alias, answering the previous target', async () => {
    const { registry, keyPrefix } = newRegistry();
    await registry.register(model('m1', 0.8));
    await registry.register(model('m2', 0.7));
    expect(await registry.promote('prod', 'm1')).toEqual({
      name: 'prod',
      model: 'm1',
      previous: null,
    });
    // Without the gate a worse model is accepted.
    expect(await registry.promote('prod', 'm2')).toEqual({
      name: 'prod',
      model: 'm2',
      previous: 'm1',
    });
    expect(await redis.hget(`${keyPrefix}:aliases`, 'prod')).toBe('m2');
    expect((await registry.resolve('prod')).id).toBe('m2');
  });

  it('with the gate, refuses a lower test accuracy and quotes both', async () => {
    const { registry } = newRegistry();
    await registry.register(model('good', 0.9));
    await registry.register(model('bad', 0.85));
    await registry.register(model('same', 0.9));
    await registry.promote('prod', 'good', { gate: true });

    const err = await rejection(registry.promote('prod', 'bad', { gate: true }), Error);
    expect(err).toBeInstanceOf(PromotionRefusedError);
    const refused = err as PromotionRefusedError;
    expect(refused.code).toBe('PROMOTION_REFUSED');
    expect(refused.candidate).toEqual({ id: 'bad', testAccuracy: 0.85 });
    expect(refused.current).toEqual({ id: 'good', testAccuracy: 0.9 });
    expect(refused.message).toContain('0.85');
    expect(refused.message).toContain('0.9');
    expect(await registry.getAlias('prod')).toBe('good');

    // Equal is not worse; promoting the current target again is a no-op that passes.
    expect((await registry.promote('prod', 'same', { gate: true })).previous).toBe('good');
    expect((await registry.promote('prod', 'same', { gate: true })).previous).toBe('same');
  });

  it('with the gate, refuses a candidate without a test accuracy, unless nothing compares', async () => {
    const { registry } = newRegistry();
    await registry.register(model('scored', 0.6));
    await registry.register(model('unscored', undefined));
    await registry.register(model('unscored2', undefined));
    await registry.promote('prod', 'scored');
    const refused = await rejection(
      registry.promote('prod', 'unscored', { gate: true }),
      PromotionRefusedError,
    );
    expect(refused.message).toMatch(/no test accuracy/);
    expect(refused.message).toContain('0.6');

    // An unset alias, or a current target without a figure, lets any candidate through.
    expect((await registry.promote('fresh', 'unscored', { gate: true })).previous).toBeNull();
    expect((await registry.promote('fresh', 'unscored2', { gate: true })).previous).toBe(
      'unscored',
    );
    expect((await registry.promote('fresh', 'scored', { gate: true })).previous).toBe('unscored2');
  });

  it('refuses an unknown model and a name that is a model id', async () => {
    const { registry } = newRegistry();
    await registry.register(model('m', 0.5));
    const missing = await rejection(registry.promote('prod', 'nope'), StoreError);
    expect(missing.code).toBe('NOT_FOUND');
    const taken = await rejection(registry.promote('m', 'm'), AliasNameTakenError);
    expect(taken.code).toBe('ALIAS_NAME_TAKEN');
    expect(await registry.listAliases()).toEqual([]);
  });

  it('serialises concurrent gated promotions: each compares against the target it replaces', async () => {
    const { registry } = newRegistry();
    await registry.register(model('start', 0.5));
    await registry.promote('prod', 'start');
    // Distinct accuracies in a shuffled order, all better than the start.
    const accuracies = [0.71, 0.55, 0.93, 0.62, 0.88, 0.51, 0.79, 0.97, 0.66, 0.84, 0.58, 0.9];
    const candidates = accuracies.map((acc, i) => ({ id: `c${i}`, acc }));
    for (const c of candidates) await registry.register(model(c.id, c.acc));
    const accOf = new Map([['start', 0.5], ...candidates.map((c) => [c.id, c.acc] as const)]);

    const outcomes = await Promise.allSettled(
      candidates.map((c) => registry.promote('prod', c.id, { gate: true })),
    );
    const moves = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refusals = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [o.reason as PromotionRefusedError] : [],
    );
    expect(moves.length + refusals.length).toBe(candidates.length);
    for (const r of refusals) expect(r).toBeInstanceOf(PromotionRefusedError);

    // The moves form one chain from the start: every target was replaced at most once, and
    // only by a model at least as good. A check-then-set race breaks this (two moves
    // replacing the same target, or a worse model landing last).
    const byPrevious = new Map<string, Promotion>();
    for (const m of moves) {
      expect(byPrevious.has(m.previous as string), `two moves replaced ${m.previous}`).toBe(false);
      byPrevious.set(m.previous as string, m);
      expect(accOf.get(m.model)).toBeGreaterThanOrEqual(accOf.get(m.previous as string) as number);
    }
    let at = 'start';
    for (let step = 0; step < moves.length; step++) {
      const next = byPrevious.get(at);
      expect(next, `the chain breaks after ${at}`).toBeDefined();
      at = (next as Promotion).model;
    }
    // The best candidate always passes, so it is where the alias ends.
    expect(at).toBe('c7');
    expect(await registry.getAlias('prod')).toBe('c7');
    // Each refusal names a target that was better than the candidate.
    for (const r of refusals) {
      expect(r.current.testAccuracy).toBeGreaterThan(r.candidate.testAccuracy as number);
    }
  });
});

describe('listAliases and record fields', () => {
  it('lists the aliases that are set, by name', async () => {
    const { registry } = newRegistry();
    await registry.register(model('m1', 0.1));
    await registry.register(model('m2', 0.2));
    await registry.promote('staging', 'm2');
    await registry.promote('production', 'm1');
    await registry.promote('canary', 'm2');
    expect(await registry.listAliases()).toEqual([
      { name: 'canary', model: 'm2' },
      { name: 'production', model: 'm1' },
      { name: 'staging', model: 'm2' },
    ]);
    expect(await registry.deleteAlias('canary')).toBe(true);
    expect((await registry.listAliases()).map((a) => a.name)).toEqual(['production', 'staging']);
  });

  it('stores the data set and training options when given, and leaves them out otherwise', async () => {
    const { registry } = newRegistry();
    const training = { epochs: 2, batchSize: 50, optimizer: 'adam', testSize: 500 };
    const stored = await registry.register({ ...model('t', 0.5), dataset: 'ds-1', training });
    expect(stored).toMatchObject({ dataset: 'ds-1', training });
    expect(await registry.get('t')).toMatchObject({ dataset: 'ds-1', training });
    const plain = await registry.get((await registry.register(model('p', 0.5))).id);
    expect(plain).not.toHaveProperty('dataset');
    expect(plain).not.toHaveProperty('training');
    await expect(
      registry.register({ ...model('q', 0.5), training: [] as unknown as Record<string, unknown> }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(registry.register({ ...model('r', 0.5), dataset: '../x' })).rejects.toMatchObject({
      code: 'INVALID_ID',
    });
  });
});
