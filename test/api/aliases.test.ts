import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createPredictorPool, type PredictorPool } from '../../src/inference/predictor-pool.js';
import { selectBackend } from '../../src/ml/backend.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { type ArtifactStore, createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry, type NewModelVersion } from '../../src/store/model-registry.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { registerModel } from '../support/registered-model.js';
import { buildTestApp } from './helper.js';

const SPEC = parseSpec({ conv: [{ channels: 4, pool: 2 }], dense: [{ neurons: 16 }, {}] });

const { redis, prefix } = useRedisPrefix('aliases-api');
const registry = createModelRegistry({ redis, prefix });
let dir: string;
let store: ArtifactStore;
let pool: PredictorPool;
let app: App;

/** A registry record with a test accuracy; alias routes never load its files. */
function scored(id: string, testAcc: number | undefined): NewModelVersion {
  return {
    id,
    jobId: id,
    spec: SPEC,
    metrics: testAcc === undefined ? {} : { test_acc: testAcc, val_acc: testAcc },
    classNames: ['a', 'b'],
    artifact: id,
    sha256: 'ef'.repeat(32),
    backend: 'wasm',
  };
}

/** Candidates for the concurrency test: distinct accuracies, shuffled; c7 is the best. */
const RACE = [0.71, 0.55, 0.93, 0.62, 0.88, 0.51, 0.79, 0.97, 0.66, 0.84, 0.58, 0.9].map(
  (acc, i) => ({ id: `race-${i}`, acc }),
);

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'tailor-aliases-api-'));
  store = createFileArtifactStore(join(dir, 'store'));
  for (const [id, acc] of [
    ['acc-80', 0.8],
    ['acc-85', 0.85],
    ['acc-90', 0.9],
    ['no-acc', undefined],
    ['race-start', 0.5],
  ] as const) {
    await registry.register(scored(id, acc));
  }
  for (const c of RACE) await registry.register(scored(c.id, c.acc));
  // Real models last: the newest, which /v1/predict falls back to, can be served.
  await registerModel({ registry, store }, SPEC, 'real-a', 1);
  await registerModel({ registry, store }, SPEC, 'real-b', 2);
  pool = createPredictorPool({ registry, store, workers: 1 });
  app = buildTestApp({ predictor: pool, models: { registry, store } });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await pool?.close();
  await rm(dir, { recursive: true, force: true });
});

const put = (name: string, body: object) =>
  request(app.server).put(`/v1/aliases/${name}`).send(body);

describe('PUT, GET and DELETE /v1/aliases/:name', () => {
  it('creates an alias, moves it, shows it with its test accuracy, and removes it', async () => {
    const created = await put('stable', { model: 'acc-80' }).expect(200);
    expect(created.body).toEqual({ name: 'stable', model: 'acc-80', previous: null });
    const moved = await put('stable', { model: 'acc-90' }).expect(200);
    expect(moved.body).toEqual({ name: 'stable', model: 'acc-90', previous: 'acc-80' });

    const got = await request(app.server).get('/v1/aliases/stable').expect(200);
    expect(got.body).toEqual({
      name: 'stable',
      model: 'acc-90',
      testAccuracy: 0.9,
      links: { self: '/v1/aliases/stable', model: '/v1/models/acc-90' },
    });
    // The model routes follow it.
    const model = await request(app.server).get('/v1/models/stable').expect(200);
    expect(model.body.id).toBe('acc-90');

    await request(app.server).delete('/v1/aliases/stable').expect(204);
    const gone = await request(app.server).get('/v1/aliases/stable').expect(404);
    expect(gone.body.error).toMatchObject({
      code: 'NOT_FOUND',
      message: "alias 'stable' is not set",
    });
    await request(app.server).delete('/v1/aliases/stable').expect(404);
    await request(app.server).get('/v1/models/stable').expect(404);
  });

  it('lists every alias by name with its model’s test accuracy (null without one)', async () => {
    await put('list-b', { model: 'acc-85' }).expect(200);
    await put('list-a', { model: 'no-acc' }).expect(200);
    const res = await request(app.server).get('/v1/aliases').expect(200);
    const listed = (res.body.items as { name: string }[]).filter((a) => a.name.startsWith('list-'));
    expect(listed).toEqual([
      {
        name: 'list-a',
        model: 'no-acc',
        testAccuracy: null,
        links: { self: '/v1/aliases/list-a', model: '/v1/models/no-acc' },
      },
      {
        name: 'list-b',
        model: 'acc-85',
        testAccuracy: 0.85,
        links: { self: '/v1/aliases/list-b', model: '/v1/models/acc-85' },
      },
    ]);
  });

  it('takes another alias as the model: its current model', async () => {
    await put('source', { model: 'acc-85' }).expect(200);
    const res = await put('copy', { model: 'source' }).expect(200);
    expect(res.body).toEqual({ name: 'copy', model: 'acc-85', previous: null });
  });

  it('with gate: true refuses a worse candidate with 409 quoting both accuracies', async () => {
    await put('gated', { model: 'acc-85' }).expect(200);
    const refused = await put('gated', { model: 'acc-80', gate: true }).expect(409);
    expect(refused.body.error.code).toBe('PROMOTION_REFUSED');
    expect(refused.body.error.message).toBe(
      "'gated' stays on model 'acc-85': candidate 'acc-80' has test accuracy 0.8, below the current 0.85",
    );
    const noScore = await put('gated', { model: 'no-acc', gate: true }).expect(409);
    expect(noScore.body.error.message).toBe(
      "'gated' stays on model 'acc-85' (test accuracy 0.85): candidate 'no-acc' has no test accuracy to compare",
    );
    expect((await request(app.server).get('/v1/aliases/gated')).body.model).toBe('acc-85');

    const promoted = await put('gated', { model: 'acc-90', gate: true }).expect(200);
    expect(promoted.body).toEqual({ name: 'gated', model: 'acc-90', previous: 'acc-85' });
    // Without the gate anything goes.
    await put('gated', { model: 'acc-80' }).expect(200);
  });

  it('serialises concurrent gated promotions: no two pass against the same target', async () => {
    await put('race', { model: 'race-start' }).expect(200);
    const responses = await Promise.all(
      RACE.map((c) =>
        put('race', { model: c.id, gate: true }).then((res) => ({ candidate: c, res })),
      ),
    );
    const accOf = new Map([['race-start', 0.5], ...RACE.map((c) => [c.id, c.acc] as const)]);
    const moves = responses.filter(({ res }) => res.status === 200).map(({ res }) => res.body);
    const refusals = responses.filter(({ res }) => res.status === 409);
    expect(moves.length + refusals.length).toBe(RACE.length);
    for (const { res } of refusals) expect(res.body.error.code).toBe('PROMOTION_REFUSED');
    const replaced = new Map<string, { model: string }>();
    for (const move of moves as { model: string; previous: string }[]) {
      expect(replaced.has(move.previous), `two promotions replaced ${move.previous}`).toBe(false);
      replaced.set(move.previous, move);
      expect(accOf.get(move.model)).toBeGreaterThanOrEqual(accOf.get(move.previous) as number);
    }
    let at = 'race-start';
    for (let i = 0; i < moves.length; i++) at = (replaced.get(at) as { model: string }).model;
    expect(at).toBe('race-7');
    expect((await request(app.server).get('/v1/aliases/race')).body).toMatchObject({
      model: 'race-7',
      testAccuracy: 0.97,
    });
    console.log(
      `${RACE.length} concurrent gated promotions: ${moves.length} moved the alias, ${refusals.length} refused`,
    );
  });

  it('refuses a name that is a model id, an unknown model, and malformed requests', async () => {
    const taken = await put('acc-80', { model: 'acc-90' }).expect(409);
    expect(taken.body.error).toMatchObject({
      code: 'ALIAS_NAME_TAKEN',
      message: "'acc-80' is a model id and cannot be an alias name; choose another name",
    });
    const unknown = await put('new-alias', { model: 'no-such-model' }).expect(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    for (const [name, body] of [
      ['-leading-dash', { model: 'acc-80' }],
      ['x'.repeat(65), { model: 'acc-80' }],
      ['ok', { model: 'acc-80', extra: 1 }],
      ['ok', { model: 'acc-80', gate: 'yes' }],
      ['ok', {}],
      ['ok', { model: '../etc' }],
    ] as const) {
      const res = await put(name, body).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    await request(app.server).get('/v1/aliases/ok').expect(404);
  });
});

describe('POST /v1/predict follows production, else the newest model', () => {
  const instance = { instances: [new Array(784).fill(0)] };
  const predictWith = async (path: string) =>
    (await request(app.server).post(path).send(instance).expect(200)).body.model.id as string;

  it('uses the newest model while production is unset, and says so', async () => {
    const res = await request(app.server).get('/v1/aliases/production').expect(404);
    expect(res.body.error.message).toBe(
      "alias 'production' is not set; while unset it resolves to the newest model",
    );
    expect(await predictWith('/v1/predict')).toBe('real-b');
  });

  it('follows production once set; default stays an ordinary alias', async () => {
    await put('production', { model: 'real-a' }).expect(200);
    await put('default', { model: 'real-b' }).expect(200);
    try {
      expect(await predictWith('/v1/predict')).toBe('real-a');
      expect(await predictWith('/v1/models/default/predict')).toBe('real-b');
      expect(await predictWith('/v1/models/production/predict')).toBe('real-a');
    } finally {
      await request(app.server).delete('/v1/aliases/production').expect(204);
      await request(app.server).delete('/v1/aliases/default').expect(204);
    }
    expect(await predictWith('/v1/predict')).toBe('real-b');
  });
});
