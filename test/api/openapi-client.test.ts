import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { Redis } from 'ioredis';
import createClient from 'openapi-fetch';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREDICT_EXAMPLES } from '../../src/api/schemas/predict.js';
import type { App } from '../../src/app.js';
import { createPredictorPool, type PredictorPool } from '../../src/inference/predictor-pool.js';
import { apiConnection } from '../../src/jobs/connection.js';
import { createTrainingQueue } from '../../src/jobs/queue.js';
import { createTrainingJobs } from '../../src/jobs/training-jobs.js';
import { selectBackend } from '../../src/ml/backend.js';
import { parseSpec } from '../../src/ml/spec-parse.js';
import { createFileArtifactStore } from '../../src/store/artifact-store.js';
import { createModelRegistry } from '../../src/store/model-registry.js';
import { useRedisPrefix } from '../store/redis-prefix.js';
import { registerModel } from '../support/registered-model.js';
import { buildTestApp } from './helper.js';

const DOCUMENT = new URL('../../openapi/openapi.json', import.meta.url);
const SPEC = parseSpec({ conv: [{ channels: 4, pool: 2 }], dense: [{ neurons: 16 }, {}] });
const queuePrefix = `test-openapi-client-${process.pid}-${Date.now()}`;
const { redis, prefix } = useRedisPrefix('openapi-client');
const registry = createModelRegistry({ redis, prefix });

/**
 * What a caller writes against the client generated from the document: it must type-check
 * against the generated `paths`, so a resource or body that loses its type fails here.
 */
const CLIENT_PROGRAM = `
import createClient from 'openapi-fetch';
import type { components, paths } from './openapi';

type TrainingJob = components['schemas']['TrainingJob'];
type PredictionResult = components['schemas']['PredictionResult'];
type Instance = components['schemas']['PredictionInstance'];

export async function run(baseUrl: string, instance: Instance, model: string) {
  const client = createClient<paths>({ baseUrl });
  const job = await client.POST('/v1/training-jobs', {
    body: { dataset: 'fashion-mnist', training: { epochs: 1, trainSize: 1000 } },
  });
  const created: TrainingJob | undefined = job.data;
  const read = await client.GET('/v1/training-jobs/{id}', {
    params: { path: { id: created?.id ?? '' } },
  });
  const prediction = await client.POST('/v1/models/{id}/predict', {
    params: { path: { id: model } },
    body: { instances: [instance] },
  });
  const result: PredictionResult | undefined = prediction.data;
  const label: number | undefined = result?.predictions[0]?.label;
  return { job, read, prediction, label };
}
`;

let dir: string;
let connection: Redis;
let queue: ReturnType<typeof createTrainingQueue>;
let pool: PredictorPool;
let app: App;
let model: LayersModel;
let baseUrl: string;

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'tailor-openapi-client-'));
  const store = createFileArtifactStore(join(dir, 'store'));
  model = await registerModel({ registry, store }, SPEC, 'client-model', 1);
  pool = createPredictorPool({ registry, store, workers: 1 });
  connection = apiConnection('redis://127.0.0.1:6379');
  await new Promise((resolve) => connection.once('ready', resolve));
  queue = createTrainingQueue({ connection, prefix: queuePrefix });
  app = buildTestApp({
    predictor: pool,
    models: { registry, store },
    trainingJobs: createTrainingJobs(queue, () => connection.status === 'ready'),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await queue?.obliterate({ force: true });
  await queue?.close();
  connection?.disconnect();
  await pool?.close();
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('a client generated from openapi/openapi.json', () => {
  it('type-checks a caller written against the generated types', async () => {
    const document = JSON.parse(await readFile(DOCUMENT, 'utf8'));
    // Request bodies default what they leave out (batchSize, optimizer): generators must not
    // make a property required because it has a default (openapi-typescript's
    // --default-non-nullable=false; Fastify fills defaults in on the server).
    await writeFile(
      join(dir, 'openapi.ts'),
      astToString(await openapiTS(document, { defaultNonNullable: false })),
    );
    await writeFile(join(dir, 'client.ts'), CLIENT_PROGRAM);
    const fetchTypes = fileURLToPath(import.meta.resolve('openapi-fetch/dist/index.d.mts'));
    const program = ts.createProgram([join(dir, 'client.ts')], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: [],
      paths: { 'openapi-fetch': [fetchTypes] },
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  }, 60_000);

  it('creates a job and classifies an image, each answer valid against the document', async () => {
    const document = JSON.parse(await readFile(DOCUMENT, 'utf8'));
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    formats.default(ajv);
    ajv.addFormat('byte', true).addFormat('binary', true);
    ajv.addSchema(document, 'openapi.json');
    const check = (pointer: string, value: unknown) => {
      const validate = ajv.compile({ $ref: `openapi.json#${pointer}` });
      expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    };
    const responseSchema = (path: string, method: string, status: number) =>
      `/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}/responses/${status}/content/application~1json/schema`;

    // The same library the type-checked caller uses, called untyped: the types exist only in
    // the generated file of the first test.
    type Answer = Promise<{ data?: unknown; error?: unknown; response: Response }>;
    const call = createClient({ baseUrl }) as unknown as {
      POST: (path: string, init: object) => Answer;
      GET: (path: string, init: object) => Answer;
    };
    const job = await call.POST('/v1/training-jobs', {
      body: { dataset: 'fashion-mnist', training: { epochs: 1, trainSize: 1000 } },
    });
    expect(job.response.status).toBe(202);
    check(responseSchema('/v1/training-jobs', 'post', 202), job.data);
    const id = (job.data as { id: string }).id;
    expect(job.response.headers.get('location')).toBe(`/v1/training-jobs/${id}`);

    const read = await call.GET('/v1/training-jobs/{id}', { params: { path: { id } } });
    expect(read.response.status).toBe(200);
    check(responseSchema('/v1/training-jobs/{id}', 'get', 200), read.data);

    for (const body of PREDICT_EXAMPLES) {
      check('/components/schemas/PredictionRequest', body);
      const prediction = await call.POST('/v1/models/{id}/predict', {
        params: { path: { id: 'client-model' } },
        body,
      });
      expect(prediction.response.status).toBe(200);
      check(responseSchema('/v1/models/{id}/predict', 'post', 200), prediction.data);
    }

    const missing = await call.GET('/v1/training-jobs/{id}', {
      params: { path: { id: 'no-such-job' } },
    });
    expect(missing.response.status).toBe(404);
    check(responseSchema('/v1/training-jobs/{id}', 'get', 404), missing.error ?? missing.data);
  });
});
