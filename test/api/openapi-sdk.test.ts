import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from '../../src/api/errors.js';
import type { App } from '../../src/app.js';
import { buildTestApp } from './helper.js';

type Operation = { operationId?: string; tags?: string[] };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  tags: { name: string }[];
  servers?: { url: string }[];
  components: { schemas: Record<string, unknown> };
};

/** The value under `keys`, or undefined where the path ends early. */
function at(value: unknown, ...keys: string[]): unknown {
  let here = value;
  for (const key of keys) {
    if (typeof here !== 'object' || here === null) return undefined;
    here = (here as Record<string, unknown>)[key];
  }
  return here;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

function operations(document: Document): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]): [string, Operation] => [`${method} ${path}`, operation]),
  );
}

describe('OpenAPI document for SDK generators', () => {
  let app: App;
  let document: Document;

  beforeAll(async () => {
    app = buildTestApp({ version: '1.2.3' });
    await app.ready();
    document = app.swagger() as unknown as Document;
  });

  afterAll(() => app.close());

  it('gives every operation a unique camelCase operationId', () => {
    const all = operations(document);
    expect(all.length).toBeGreaterThan(40);
    const missing = all.filter(([, op]) => !op.operationId).map(([key]) => key);
    expect(missing, 'operations without operationId').toEqual([]);
    const ids = all.map(([, op]) => op.operationId as string);
    expect(new Set(ids).size, 'operationIds repeat').toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
  });

  it('declares every tag an operation uses', () => {
    const declared = new Set(document.tags.map((tag) => tag.name));
    const used = new Set(operations(document).flatMap(([, op]) => op.tags ?? []));
    expect([...used].filter((tag) => !declared.has(tag))).toEqual([]);
  });

  it('names every resource as a component schema that operations reference', () => {
    const resources = [
      'TrainingJob',
      'TrainingJobList',
      'TrainingJobRequest',
      'Model',
      'ModelDetail',
      'ModelList',
      'Prediction',
      'PredictionRequest',
      'PredictionResult',
      'Dataset',
      'DatasetList',
      'TuningJob',
      'TuningJobList',
      'Alias',
      'AliasList',
      'Evaluation',
      'ErrorBody',
    ];
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(resources));
    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    const json = (path: string, method: string, status: string) =>
      at(
        document.paths,
        path,
        method,
        'responses',
        status,
        'content',
        'application/json',
        'schema',
      );
    expect(json('/v1/training-jobs', 'post', '202')).toEqual(ref('TrainingJob'));
    expect(json('/v1/training-jobs', 'get', '200')).toEqual(ref('TrainingJobList'));
    expect(json('/v1/models', 'get', '200')).toEqual(ref('ModelList'));
    expect(json('/v1/models/{id}', 'get', '200')).toEqual(ref('ModelDetail'));
    expect(json('/v1/predict', 'post', '200')).toEqual(ref('PredictionResult'));
    expect(json('/v1/datasets/{id}', 'get', '200')).toEqual(ref('Dataset'));
    expect(json('/v1/tuning-jobs/{id}', 'get', '200')).toEqual(ref('TuningJob'));
    expect(json('/v1/aliases/{name}', 'get', '200')).toEqual(ref('Alias'));
    expect(json('/v1/models/{id}/evaluations', 'post', '200')).toEqual(ref('Evaluation'));
    const body = (path: string) =>
      at(document.paths, path, 'post', 'requestBody', 'content', 'application/json', 'schema');
    expect(body('/v1/training-jobs')).toEqual(ref('TrainingJobRequest'));
    expect(body('/v1/predict')).toEqual(ref('PredictionRequest'));
  });

  it('lists every error code the API answers in ErrorBody, one per situation', () => {
    const codes = at(
      document.components.schemas,
      'ErrorBody',
      'properties',
      'error',
      'properties',
      'code',
      'enum',
    ) as string[];
    expect(codes).toEqual(
      expect.arrayContaining([
        ...API_ERROR_CODES,
        'IMAGE_CORRUPT',
        'DATASET_INVALID',
        'EXPLAIN_LIMIT',
      ]),
    );
    expect(codes).not.toContain('JOB_NOT_FOUND');
    expect(codes).not.toContain('IMAGE_NOT_FOUND');
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('documents every error response as JSON, also on HTML and event-stream routes', () => {
    const wrong = operations(document).flatMap(([key, op]) =>
      Object.entries((op as { responses: Record<string, { content?: object }> }).responses)
        .filter(([status]) => Number(status) >= 400)
        .filter(([, res]) => Object.keys(res.content ?? {}).join() !== 'application/json')
        .map(([status, res]) => `${key} ${status}: ${Object.keys(res.content ?? {})}`),
    );
    expect(wrong).toEqual([]);
  });

  it('documents the response headers clients act on', () => {
    const headers = (path: string, method: string, status: string) =>
      Object.keys(
        (at(document.paths, path, method, 'responses', status, 'headers') as object) ?? {},
      );
    expect(headers('/v1/training-jobs', 'post', '202')).toEqual(
      expect.arrayContaining([
        'location',
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-reset',
      ]),
    );
    expect(headers('/v1/predict', 'post', '200')).toContain('x-ratelimit-remaining');
    expect(headers('/v1/predict', 'post', '429')).toEqual(
      expect.arrayContaining(['retry-after', 'x-ratelimit-reset']),
    );
    expect(headers('/v1/predict', 'post', '503')).toContain('retry-after');
    expect(headers('/v2/models/{name}/infer', 'post', '429')).toContain('retry-after');
    expect(headers('/v1/models/{id}', 'get', '200')).toContain('etag');
    expect(headers('/v1/training-jobs/{id}', 'get', '200')).toContain('etag');
    expect(headers('/v1/datasets', 'post', '201')).toContain('location');
  });

  it('names a relative server so the document holds for any host', () => {
    expect(document.servers).toEqual([{ url: '/' }]);
  });
});
