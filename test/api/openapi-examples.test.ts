import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createPredictorPool, type PredictorPool } from '../../src/inference/predictor-pool.js';
import { selectBackend } from '../../src/ml/backend.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { registerModel } from '../support/registered-model.js';
import { buildTestApp } from './helper.js';

const SPEC = parseSpec({ conv: [{ channels: 4, pool: 2 }], dense: [{ neurons: 16 }, {}] });

const { redis, prefix } = useRedisPrefix('openapi-examples');
const registry = createModelRegistry({ redis, prefix });
let dir: string;
let pool: PredictorPool;
let app: App;
let model: LayersModel;

type Examples = Record<string, { value: unknown }>;

/** The request-body examples the document gives for a JSON operation. */
function examplesOf(document: unknown, path: string): Examples {
  const paths = (document as { paths: Record<string, { post?: { requestBody?: unknown } }> }).paths;
  const body = paths[path]?.post?.requestBody as
    | { content: Record<string, { examples?: Examples }> }
    | undefined;
  return body?.content['application/json']?.examples ?? {};
}

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'tailor-openapi-examples-'));
  const store = createFileArtifactStore(join(dir, 'store'));
  model = await registerModel({ registry, store }, SPEC, 'example-model', 1);
  pool = createPredictorPool({ registry, store, workers: 1 });
  app = buildTestApp({ predictor: pool, models: { registry, store } });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await pool?.close();
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('prediction examples in the OpenAPI document', () => {
  it('documents an instance as the union of its accepted forms', () => {
    const schemas = (app.swagger() as { components: { schemas: Record<string, unknown> } })
      .components.schemas;
    const instance = schemas.PredictionInstance as { anyOf?: unknown[] };
    expect(instance.anyOf).toHaveLength(3);
  });

  for (const [path, url] of [
    ['/v1/predict', '/v1/predict'],
    ['/v1/models/{id}/predict', '/v1/models/example-model/predict'],
  ] as const) {
    it(`answers 200 to every example body of ${path}`, async () => {
      const examples = Object.entries(examplesOf(app.swagger(), path));
      expect(examples.length).toBeGreaterThanOrEqual(3);
      for (const [name, { value }] of examples) {
        const res = await request(app.server)
          .post(url)
          .send(value as object);
        expect(res.status, `${name}: ${res.text}`).toBe(200);
        expect(res.body.predictions).toHaveLength(1);
      }
    });
  }
});
